package yunfn.runtime;

import java.io.File;
import java.io.PrintStream;
import java.util.Map;

/**
 * yunfn's built-in Java runtime (docs/runtime-protocol.md). The platform starts it with the
 * function's code directory as working directory and class path, loads the handler named by
 * `_HANDLER` (`package.Class::method`), reports init ready (or the init error), then serves
 * invocations one at a time on this thread: next -> handler -> result / error.
 */
public final class Bootstrap {
    private static final byte[] EMPTY = new byte[0];
    private static final String[] CREDENTIALS = {
        "TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN"};

    private final RuntimeApi api;
    private final FunctionEnvironment fixed;
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    // Freed when the heap is exhausted, so the report of it can still be built.
    private byte[] reserve = new byte[256 * 1024];

    private Bootstrap(RuntimeApi api, FunctionEnvironment fixed) {
        this.api = api;
        this.fixed = fixed;
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        String fd = env.getOrDefault("YUNFN_RUNTIME_FD", "");
        RuntimeApi api = !fd.isEmpty() ? FramedApi.open(Integer.parseInt(fd))
            : new HttpApi(env.getOrDefault("SCF_RUNTIME_API", "127.0.0.1"),
                          FunctionEnvironment.parseInt(env.get("SCF_RUNTIME_API_PORT"), 9001));
        // SCF's Java runtime also gives the role's keys as system properties.
        for (String name : CREDENTIALS) {
            if (env.containsKey(name)) {
                System.setProperty(name, env.get(name));
            }
        }
        Bootstrap runtime = new Bootstrap(api, new FunctionEnvironment(env));
        try {
            runtime.serve(env.getOrDefault("_HANDLER", ""));
        } catch (PlatformGone gone) {
            runtime.flush();
            System.exit(0);  // nothing left to report to
        }
    }

    private void serve(String handler) throws PlatformGone {
        HandlerMethod method;
        try {
            CodePackage.checkJars(new File(".").getAbsoluteFile());
            method = HandlerMethod.resolve(handler, Bootstrap.class.getClassLoader());
        } catch (Throwable t) {
            reserve = null;
            report('i', t);
            System.exit(1);
            return;
        }
        api.send('r', EMPTY);
        while (true) {
            Invocation invocation = api.next();
            byte[] result;
            try {
                result = method.invoke(invocation.body, new InvocationContext(invocation, fixed));
            } catch (OutOfMemoryError e) {
                // The heap may stay full: report, then end so that a fresh JVM serves next.
                reserve = null;
                report('E', e);
                System.exit(1);
                return;
            } catch (Throwable t) {
                flush();
                err.print(ErrorReport.logText(t));
                flush();
                api.send('E', ErrorReport.json(t));
                continue;
            }
            flush();
            api.send('R', result);
        }
    }

    /** Logs `t` and sends it as the last message of this process. */
    private void report(char type, Throwable t) throws PlatformGone {
        flush();
        err.print(ErrorReport.logText(t));
        flush();
        api.sendLast(type, ErrorReport.json(t));
    }

    /** Output precedes the result in the log: flush what the function printed. */
    private void flush() {
        out.flush();
        err.flush();
        if (System.out != out) {
            System.out.flush();
        }
        if (System.err != err) {
            System.err.flush();
        }
    }

}
