package com.qcloud.services.scf.runtime.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/** The batch a ckafka trigger delivers: `{"Records":[{"Ckafka":{...}}, ...]}`. */
public class CKafkaEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Records")
    private List<Record> records;

    public CKafkaEvent() {
    }

    public List<Record> getRecords() {
        return records;
    }

    public void setRecords(List<Record> records) {
        this.records = records;
    }

    @Override
    public String toString() {
        return "CKafkaEvent{records=" + records + "}";
    }

    /** One message of the batch. */
    public static class Record implements Serializable {
        private static final long serialVersionUID = 1L;

        @JsonProperty("Ckafka")
        private MsgInfo msg;

        public Record() {
        }

        public MsgInfo getMsg() {
            return msg;
        }

        public void setMsg(MsgInfo msg) {
            this.msg = msg;
        }

        @Override
        public String toString() {
            return "Record{msg=" + msg + "}";
        }
    }

    /** The message: topic, partition, offset, key and body. */
    public static class MsgInfo implements Serializable {
        private static final long serialVersionUID = 1L;

        private String topic;
        private Integer partition;
        private Integer offset;
        private String msgKey;
        private String msgBody;

        public MsgInfo() {
        }

        public String getTopic() {
            return topic;
        }

        public void setTopic(String topic) {
            this.topic = topic;
        }

        public Integer getPartition() {
            return partition;
        }

        public void setPartition(Integer partition) {
            this.partition = partition;
        }

        public Integer getOffset() {
            return offset;
        }

        public void setOffset(Integer offset) {
            this.offset = offset;
        }

        public String getMsgKey() {
            return msgKey;
        }

        public void setMsgKey(String msgKey) {
            this.msgKey = msgKey;
        }

        public String getMsgBody() {
            return msgBody;
        }

        public void setMsgBody(String msgBody) {
            this.msgBody = msgBody;
        }

        @Override
        public String toString() {
            return "MsgInfo{topic=" + topic + ", partition=" + partition + ", offset=" + offset
                + ", msgKey=" + msgKey + ", msgBody=" + msgBody + "}";
        }
    }
}
