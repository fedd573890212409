package org.gsamflink.pipeline.format;

import org.assertj.core.api.ThrowableAssertAlternative;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Test helpers: decode bad input and check the rejection. */
final class Rejections {

    private Rejections() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Asserts that decoding {@code value} is rejected for {@code reason}, without a stack trace. */
    static ThrowableAssertAlternative<RecordRejectedException> assertRejected(RecordFormat format, byte[] value,
                                                                             RejectReason reason) {
        return assertRejected(() -> format.decode(value), reason);
    }

    /** As {@link #assertRejected(RecordFormat, String, RejectReason)}, decoding a prediction request. */
    static ThrowableAssertAlternative<RecordRejectedException> assertRequestRejected(RecordFormat format, String value,
                                                                                    RejectReason reason) {
        return assertRejected(() -> format.decodeRequest(utf8(value)), reason);
    }

    private static ThrowableAssertAlternative<RecordRejectedException> assertRejected(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable decoding, RejectReason reason) {
        return assertThatExceptionOfType(RecordRejectedException.class)
                .isThrownBy(decoding)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo(reason))
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getStackTrace()).isEmpty())
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).isNotBlank());
    }

    static ThrowableAssertAlternative<RecordRejectedException> assertRejected(RecordFormat format, String value,
                                                                             RejectReason reason) {
        return assertRejected(format, utf8(value), reason);
    }
}
