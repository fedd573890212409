package org.gsamflink.cli;

import org.gsamflink.optimizer.OptimizerKind;
import org.gsamflink.optimizer.PerturbationMode;
import org.gsamflink.cli.data.DataFormat;
import org.gsamflink.pipeline.model.UpdaterKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Converts option values to enum constants case-insensitively, with an error message that lists the choices in
 * lower case as they are written on the command line.
 */
abstract class LowerCaseEnumConverter<E extends Enum<E>> implements ITypeConverter<E> {

    private final Class<E> type;

    LowerCaseEnumConverter(Class<E> type) {
        this.type = type;
    }

    @Override
    public E convert(String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        throw new TypeConversionException("expected one of " + choices(type) + " but was '" + value + "'");
    }

    static String choices(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    static final class Optimizer extends LowerCaseEnumConverter<OptimizerKind> {
        Optimizer() {
            super(OptimizerKind.class);
        }
    }

    static final class Schedule extends LowerCaseEnumConverter<LrScheduleKind> {
        Schedule() {
            super(LrScheduleKind.class);
        }
    }

    static final class Updater extends LowerCaseEnumConverter<UpdaterKind> {
        Updater() {
            super(UpdaterKind.class);
        }
    }

    static final class Format extends LowerCaseEnumConverter<DataFormat> {
        Format() {
            super(DataFormat.class);
        }
    }

    static final class Generator extends LowerCaseEnumConverter<GeneratorOptions.Kind> {
        Generator() {
            super(GeneratorOptions.Kind.class);
        }
    }

    static final class Perturbation extends LowerCaseEnumConverter<PerturbationMode> {
        Perturbation() {
            super(PerturbationMode.class);
        }
    }
}
