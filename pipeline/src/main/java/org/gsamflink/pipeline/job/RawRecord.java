package org.gsamflink.pipeline.job;

/** A Kafka record as it arrived, before decoding: its bytes and where it came from. A Flink POJO. */
public class RawRecord {

    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.value = value;
    }
}
