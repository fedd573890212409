package org.gsamflink.pipeline.model;

/**
 * Height × width × channels of image examples, whose pixels are stored flat channels-first, (c, h, w)
 * row-major, the layout of DL4J's {@code InputType.convolutionalFlat}.
 *
 * @param height   rows, ≥ 1
 * @param width    columns, ≥ 1
 * @param channels channels, ≥ 1
 */
public record ImageShape(int height, int width, int channels) {

    public ImageShape {
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("image dimensions must be >= 1, got " + height + "x" + width + "x"
                    + channels);
        }
    }

    /** Values per example: height · width · channels. */
    public int size() {
        return height * width * channels;
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
