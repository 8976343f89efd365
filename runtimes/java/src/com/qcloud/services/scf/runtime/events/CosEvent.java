package com.qcloud.services.scf.runtime.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/** The event of a cos trigger: `{"Records":[{"cos":{...},"event":{...}}]}`. */
public class CosEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Records")
    private List<Record> records;

    public CosEvent() {
    }

    public List<Record> getRecords() {
        return records;
    }

    public void setRecords(List<Record> records) {
        this.records = records;
    }

    @Override
    public String toString() {
        return "CosEvent{records=" + records + "}";
    }

    /** One object change: the object and bucket, and what happened. */
    public static class Record implements Serializable {
        private static final long serialVersionUID = 1L;

        private CosInfo cos;
        private Event event;

        public Record() {
        }

        public CosInfo getCos() {
            return cos;
        }

        public void setCos(CosInfo cos) {
            this.cos = cos;
        }

        public Event getEvent() {
            return event;
        }

        public void setEvent(Event event) {
            this.event = event;
        }

        @Override
        public String toString() {
            return "Record{cos=" + cos + ", event=" + event + "}";
        }
    }

    public static class CosInfo implements Serializable {
        private static final long serialVersionUID = 1L;

        private String cosSchemaVersion;
        private CosObjectInfo cosObject;
        private CosBucketInfo cosBucket;
        private String cosNotificationId;

        public CosInfo() {
        }

        public String getCosSchemaVersion() {
            return cosSchemaVersion;
        }

        public void setCosSchemaVersion(String cosSchemaVersion) {
            this.cosSchemaVersion = cosSchemaVersion;
        }

        public CosObjectInfo getCosObject() {
            return cosObject;
        }

        public void setCosObject(CosObjectInfo cosObject) {
            this.cosObject = cosObject;
        }

        public CosBucketInfo getCosBucket() {
            return cosBucket;
        }

        public void setCosBucket(CosBucketInfo cosBucket) {
            this.cosBucket = cosBucket;
        }

        public String getCosNotificationId() {
            return cosNotificationId;
        }

        public void setCosNotificationId(String cosNotificationId) {
            this.cosNotificationId = cosNotificationId;
        }

        @Override
        public String toString() {
            return "CosInfo{cosObject=" + cosObject + ", cosBucket=" + cosBucket + "}";
        }
    }

    /** The object: `key` is `/<appid>/<bucket>/<object key>`. */
    public static class CosObjectInfo implements Serializable {
        private static final long serialVersionUID = 1L;

        private String url;
        private Map<String, String> meta;
        private String vid;
        private String key;
        private Integer size;

        public CosObjectInfo() {
        }

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public Map<String, String> getMeta() {
            return meta;
        }

        public void setMeta(Map<String, String> meta) {
            this.meta = meta;
        }

        public String getVid() {
            return vid;
        }

        public void setVid(String vid) {
            this.vid = vid;
        }

        public String getKey() {
            return key;
        }

        public void setKey(String key) {
            this.key = key;
        }

        public Integer getSize() {
            return size;
        }

        public void setSize(Integer size) {
            this.size = size;
        }

        @Override
        public String toString() {
            return "CosObjectInfo{url=" + url + ", key=" + key + ", size=" + size + "}";
        }
    }

    public static class CosBucketInfo implements Serializable {
        private static final long serialVersionUID = 1L;

        private String region;
        private String name;
        private String appid;

        public CosBucketInfo() {
        }

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getAppid() {
            return appid;
        }

        public void setAppid(String appid) {
            this.appid = appid;
        }

        @Override
        public String toString() {
            return "CosBucketInfo{region=" + region + ", name=" + name + ", appid=" + appid + "}";
        }
    }

    /** What happened: `cos:ObjectCreated:Put`, `cos:ObjectRemove:Delete`, ... */
    public static class Event implements Serializable {
        private static final long serialVersionUID = 1L;

        private String eventName;
        private String eventVersion;
        private Integer eventTime;
        private String eventSource;
        private RequestParameters requestParameters;
        private String eventQueue;
        private String reservedInfo;
        private Integer reqid;

        public Event() {
        }

        public String getEventName() {
            return eventName;
        }

        public void setEventName(String eventName) {
            this.eventName = eventName;
        }

        public String getEventVersion() {
            return eventVersion;
        }

        public void setEventVersion(String eventVersion) {
            this.eventVersion = eventVersion;
        }

        public Integer getEventTime() {
            return eventTime;
        }

        public void setEventTime(Integer eventTime) {
            this.eventTime = eventTime;
        }

        public String getEventSource() {
            return eventSource;
        }

        public void setEventSource(String eventSource) {
            this.eventSource = eventSource;
        }

        public RequestParameters getRequestParameters() {
            return requestParameters;
        }

        public void setRequestParameters(RequestParameters requestParameters) {
            this.requestParameters = requestParameters;
        }

        public String getEventQueue() {
            return eventQueue;
        }

        public void setEventQueue(String eventQueue) {
            this.eventQueue = eventQueue;
        }

        public String getReservedInfo() {
            return reservedInfo;
        }

        public void setReservedInfo(String reservedInfo) {
            this.reservedInfo = reservedInfo;
        }

        public Integer getReqid() {
            return reqid;
        }

        public void setReqid(Integer reqid) {
            this.reqid = reqid;
        }

        @Override
        public String toString() {
            return "Event{eventName=" + eventName + ", eventTime=" + eventTime + "}";
        }
    }

    public static class RequestParameters implements Serializable {
        private static final long serialVersionUID = 1L;

        private String requestSourceIP;
        private Map<String, String> requestHeaders;

        public RequestParameters() {
        }

        public String getRequestSourceIP() {
            return requestSourceIP;
        }

        public void setRequestSourceIP(String requestSourceIP) {
            this.requestSourceIP = requestSourceIP;
        }

        public Map<String, String> getRequestHeaders() {
            return requestHeaders;
        }

        public void setRequestHeaders(Map<String, String> requestHeaders) {
            this.requestHeaders = requestHeaders;
        }
    }
}
