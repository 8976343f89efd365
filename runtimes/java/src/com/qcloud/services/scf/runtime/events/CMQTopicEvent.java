package com.qcloud.services.scf.runtime.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/** The event of a CMQ topic subscription: `{"Records":[{"CMQ":{...}}]}`. */
public class CMQTopicEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Records")
    private List<Record> records;

    public CMQTopicEvent() {
    }

    public List<Record> getRecords() {
        return records;
    }

    public void setRecords(List<Record> records) {
        this.records = records;
    }

    @Override
    public String toString() {
        return "CMQTopicEvent{records=" + records + "}";
    }

    /** One message. */
    public static class Record implements Serializable {
        private static final long serialVersionUID = 1L;

        @JsonProperty("CMQ")
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

    /** The message and the topic and subscription it came through. */
    public static class MsgInfo implements Serializable {
        private static final long serialVersionUID = 1L;

        private String type;
        private Integer topicOwner;
        private String topicName;
        private String subscriptionName;
        private String publishTime;
        private String msgId;
        private String requestId;
        private String msgBody;
        private String msgTag;

        public MsgInfo() {
        }

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }

        public Integer getTopicOwner() {
            return topicOwner;
        }

        public void setTopicOwner(Integer topicOwner) {
            this.topicOwner = topicOwner;
        }

        public String getTopicName() {
            return topicName;
        }

        public void setTopicName(String topicName) {
            this.topicName = topicName;
        }

        public String getSubscriptionName() {
            return subscriptionName;
        }

        public void setSubscriptionName(String subscriptionName) {
            this.subscriptionName = subscriptionName;
        }

        public String getPublishTime() {
            return publishTime;
        }

        public void setPublishTime(String publishTime) {
            this.publishTime = publishTime;
        }

        public String getMsgId() {
            return msgId;
        }

        public void setMsgId(String msgId) {
            this.msgId = msgId;
        }

        public String getRequestId() {
            return requestId;
        }

        public void setRequestId(String requestId) {
            this.requestId = requestId;
        }

        public String getMsgBody() {
            return msgBody;
        }

        public void setMsgBody(String msgBody) {
            this.msgBody = msgBody;
        }

        public String getMsgTag() {
            return msgTag;
        }

        public void setMsgTag(String msgTag) {
            this.msgTag = msgTag;
        }

        @Override
        public String toString() {
            return "MsgInfo{topicName=" + topicName + ", msgId=" + msgId + ", msgBody=" + msgBody
                + "}";
        }
    }
}
