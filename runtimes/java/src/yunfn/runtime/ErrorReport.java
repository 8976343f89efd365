package yunfn.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Error JSON in the shape of SCF's RetMsg for a user error (docs/runtime-protocol.md). */
final class ErrorReport {
    private ErrorReport() {
    }

    static byte[] json(String type, String message, String stack) {
        StringBuilder out = new StringBuilder(256 + stack.length());
        out.append("{\"errorCode\":-1,\"errorMessage\":");
        JsonText.quote(out, message);
        out.append(",\"errorType\":");
        JsonText.quote(out, type);
        out.append(",\"stackTrace\":");
        JsonText.quote(out, stack);
        out.append('}');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] json(Throwable t) {
        return json(type(t), t.getMessage() == null ? "" : t.getMessage(), logText(t));
    }

    /** The class name (`java.lang.IllegalStateException`), or `HandlerNotFound`. */
    static String type(Throwable t) {
        return t instanceof HandlerNotFound ? "HandlerNotFound" : t.getClass().getName();
    }

    /**
     * What the log shows: Java's own text of the throwable and its stack, without the
     * frames of this runtime and of the reflection that called the function.
     */
    static String logText(Throwable t) {
        if (t instanceof HandlerNotFound) {
            return "HandlerNotFound: " + t.getMessage() + "\n";
        }
        Throwable c = t;
        for (int depth = 0; c != null && depth < 16; depth++, c = c.getCause()) {
            trimRuntimeFrames(c);
        }
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    private static void trimRuntimeFrames(Throwable t) {
        StackTraceElement[] stack = t.getStackTrace();
        int end = stack.length;
        while (end > 0 && isRuntimeFrame(stack[end - 1].getClassName())) {
            end--;
        }
        if (end > 0 && end < stack.length) {
            t.setStackTrace(Arrays.copyOf(stack, end));
        }
    }

    private static boolean isRuntimeFrame(String className) {
        return className.startsWith("yunfn.runtime.")
            || className.startsWith("jdk.internal.reflect.")
            || className.startsWith("java.lang.reflect.") || className.equals("java.lang.Class");
    }
}
