package org.gsamflink.pipeline.job;

/**
 * A record that could not be trained on: the original bytes, the reason code and detail, and its source
 * coordinates (written to the dead-letter topic as headers {@code gsam.reason}, {@code gsam.detail},
 * {@code gsam.source.topic}, {@code gsam.source.partition}, {@code gsam.source.offset}). The detail is one line of
 * at most 256 characters; the value is cut to {@code sink.dead-letter-max-bytes} when it is written. A Flink POJO.
 */
public class DeadLetter {

    public String reason;
    public String detail;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public byte[] value;

    public DeadLetter() {}

    public DeadLetter(String reason, String detail, RawRecord source) {
        this.reason = reason;
        this.detail = org.gsamflink.pipeline.format.Details.oneLine(detail);
        this.sourceTopic = source.topic;
        this.sourcePartition = source.partition;
        this.sourceOffset = source.offset;
        this.value = source.value;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + ": " + detail + " @ " + sourceTopic + "/" + sourcePartition + "@" + sourceOffset + '}';
    }
}
