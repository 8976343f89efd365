package example;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.qcloud.scf.runtime.Context;

/** An SCF Java event function: handler `example.Hello::mainHandler`. */
public class Hello {
    /** The event, bound from its JSON: {"name": "..."}; other keys are ignored. */
    public static class Person {
        @JsonProperty("name")
        private String name;

        public String getName() {
            return name;
        }
    }

    /** The result, written back as JSON from its getters. */
    public static class Greeting {
        private final String greeting;
        private final String function;
        private final String requestId;

        Greeting(String greeting, String function, String requestId) {
            this.greeting = greeting;
            this.function = function;
            this.requestId = requestId;
        }

        public String getGreeting() {
            return greeting;
        }

        public String getFunction() {
            return function;
        }

        public String getRequestId() {
            return requestId;
        }
    }

    public Greeting mainHandler(Person event, Context context) {
        String name = event.getName() == null ? "world" : event.getName();
        System.out.println(context.getFunctionName() + " invoked: request_id="
            + context.getRequestId() + " name=" + name);
        return new Greeting("Hello, " + name + "!", context.getFunctionName(),
                            context.getRequestId());
    }
}
