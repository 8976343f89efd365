package com.qcloud.services.scf.runtime.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/** The event of a timer trigger: `{"Type":"Timer","TriggerName","Time","Message"}`. */
public class TimerEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    @JsonProperty("Type")
    private String type;
    @JsonProperty("TriggerName")
    private String triggerName;
    @JsonProperty("Time")
    private String time;
    @JsonProperty("Message")
    private String message;

    public TimerEvent() {
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getTriggerName() {
        return triggerName;
    }

    public void setTriggerName(String triggerName) {
        this.triggerName = triggerName;
    }

    /** UTC, e.g. `2019-02-21T11:49:00Z`. */
    public String getTime() {
        return time;
    }

    public void setTime(String time) {
        this.time = time;
    }

    /** The trigger's CustomArgument. */
    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    @Override
    public String toString() {
        return "TimerEvent{type=" + type + ", triggerName=" + triggerName + ", time=" + time
            + ", message=" + message + "}";
    }
}
