package yunfn.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.qcloud.scf.runtime.Context;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;

/**
 * The handler `package.Class::method`: a public method, static or of an instance made once
 * per instance with the class's public no-argument constructor, taking (), (event),
 * (Context) or (event, Context). The event is bound to the first parameter's type with
 * Jackson (@JsonProperty honoured, unknown keys ignored); a String parameter gets a JSON
 * string's text, or the event's JSON text when it is anything else. The result is written
 * with Jackson (`null` for void).
 */
final class HandlerMethod {
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private final Method method;
    private final Object target;
    private final JavaType eventType;  // null when the method takes no event
    private final boolean takesContext;

    private HandlerMethod(ObjectMapper mapper, Method method, Object target) {
        this.mapper = mapper;
        this.method = method;
        this.target = target;
        Class<?>[] params = method.getParameterTypes();
        this.takesContext = params.length == 2 || params.length == 1 && params[0] == Context.class;
        boolean takesEvent = params.length == 2 || params.length == 1 && !takesContext;
        this.eventType = takesEvent
            ? mapper.getTypeFactory().constructType(method.getGenericParameterTypes()[0]) : null;
    }

    /** Loads and initializes the class, finds the method and makes the instance. */
    static HandlerMethod resolve(String handler, ClassLoader loader) throws Throwable {
        int sep = handler.indexOf("::");
        String className = sep < 0 ? "" : handler.substring(0, sep);
        String methodName = sep < 0 ? "" : handler.substring(sep + 2);
        if (className.isEmpty() || methodName.isEmpty()) {
            throw new IllegalArgumentException("invalid handler '" + handler
                + "': expected package.Class::method, e.g. example.Hello::mainHandler");
        }
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException e) {
            throw new HandlerNotFound("class '" + className + "' not found in the code package "
                + "(handler '" + handler + "')");
        }
        Method method = pick(type, methodName);
        if (method == null) {
            throw new HandlerNotFound("class '" + className + "' has no public method '"
                + methodName + "' taking (event), (event, Context), (Context) or () "
                + "(handler '" + handler + "')");
        }
        method.setAccessible(true);  // a public method of a class that is not public
        Object target = null;
        try {
            Class.forName(className, true, loader);  // static initializers run here
            if (!Modifier.isStatic(method.getModifiers())) {
                target = construct(type, handler);
            }
        } catch (ExceptionInInitializerError | InvocationTargetException e) {
            throw e.getCause() == null ? e : e.getCause();
        }
        ObjectMapper mapper = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        return new HandlerMethod(mapper, method, target);
    }

    /** The public method of that name with the most parameters among the accepted shapes. */
    private static Method pick(Class<?> type, String name) {
        Method best = null;
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && acceptedShape(m)
                && (best == null || m.getParameterCount() > best.getParameterCount())) {
                best = m;
            }
        }
        return best;
    }

    private static boolean acceptedShape(Method m) {
        Class<?>[] params = m.getParameterTypes();
        return params.length < 2 || params.length == 2 && params[1] == Context.class;
    }

    private static Object construct(Class<?> type, String handler) throws Throwable {
        Constructor<?> constructor;
        try {
            constructor = type.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new HandlerNotFound("class '" + type.getName() + "' has no no-argument "
                + "constructor to make the instance its method runs on (handler '" + handler
                + "')");
        }
        constructor.setAccessible(true);
        return constructor.newInstance();
    }

    /** Runs the handler once; returns its result as JSON. Throws what the handler threw. */
    byte[] invoke(byte[] body, Context context) throws Throwable {
        Object[] args;
        if (eventType == null) {
            args = takesContext ? new Object[] {context} : new Object[0];
        } else {
            Object event = event(body);
            args = takesContext ? new Object[] {event, context} : new Object[] {event};
        }
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        return method.getReturnType() == void.class ? NULL : mapper.writeValueAsBytes(result);
    }

    private Object event(byte[] body) throws java.io.IOException {
        if (eventType.getRawClass() == String.class && !startsWithQuote(body)) {
            return new String(body, StandardCharsets.UTF_8);
        }
        return mapper.readValue(body, eventType);
    }

    private static boolean startsWithQuote(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return b == '"';
            }
        }
        return false;
    }
}
