package yunfn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The per-instance fields of every context, computed once at start. */
final class FunctionEnvironment {
    // Variables the platform or the OS sets. Everything else, except names under the
    // reserved SCF_ / QCLOUD_ / TENCENTCLOUD_ prefixes (which user variables may not use),
    // locale LC_* and the platform's YUNFN_* names, is one of the function's own variables.
    private static final Set<String> SYSTEM_VARIABLES = new HashSet<>(Arrays.asList(
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "PWD", "OLDPWD", "SHELL",
        "SHLVL", "HOSTNAME", "TERM", "TMPDIR", "_", "USER_CODE_ROOT", "_HANDLER",
        "_SCF_SERVER_PORT", "TRIGGER_SRC", "PYTHONPATH", "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING", "NODE_PATH", "LD_LIBRARY_PATH",
        "CLASSPATH", "PHP_INI_SCAN_DIR", "OS_NAMESERVER", "JAVA_HOME"));
    private static final String[] NON_USER_PREFIXES = {
        "SCF_", "QCLOUD_", "TENCENTCLOUD_", "LC_", "YUNFN_"};

    final String environment;
    final String environ;
    final String functionName;
    final String functionVersion;
    final String namespace;
    final String region;
    final String appId;
    final String uin;
    final int memoryMb;
    final int timeLimitMs;

    FunctionEnvironment(Map<String, String> env) {
        namespace = env.getOrDefault("SCF_NAMESPACE", "default");
        functionName = env.getOrDefault("SCF_FUNCTIONNAME", "");
        functionVersion = env.getOrDefault("SCF_FUNCTIONVERSION", "$LATEST");
        region = env.getOrDefault("TENCENTCLOUD_REGION", "");
        appId = env.getOrDefault("TENCENTCLOUD_APPID", "");
        uin = env.getOrDefault("TENCENTCLOUD_UIN", "");
        memoryMb = parseInt(env.get("SCF_MEMORY_SIZE"), 128);
        timeLimitMs = parseInt(env.get("SCF_TIMEOUT"), 3) * 1000;
        StringBuilder json = new StringBuilder("{");
        StringBuilder pairs = new StringBuilder();
        Map<String, String> user = userVariables(env);
        user.put("SCF_NAMESPACE", namespace);
        for (Map.Entry<String, String> e : user.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            JsonText.quote(json, e.getKey());
            json.append(':');
            JsonText.quote(json, e.getValue());
            pairs.append(e.getKey()).append('=').append(e.getValue()).append(';');
        }
        environment = json.append('}').toString();
        environ = pairs.append("SCF_NAMESPACE=").append(namespace).toString();
    }

    static int parseInt(String text, int fallback) {
        try {
            return text == null ? fallback : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The function's own variables in the order the platform set them. */
    private static Map<String, String> userVariables(Map<String, String> env) {
        Map<String, String> user = new LinkedHashMap<>();
        for (String name : orderedNames(env)) {
            if (!SYSTEM_VARIABLES.contains(name) && !hasNonUserPrefix(name)) {
                user.put(name, env.get(name));
            }
        }
        return user;
    }

    private static boolean hasNonUserPrefix(String name) {
        for (String prefix : NON_USER_PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** System.getenv() forgets the order; /proc/self/environ keeps it. */
    private static Iterable<String> orderedNames(Map<String, String> env) {
        try {
            byte[] raw = Files.readAllBytes(Paths.get("/proc/self/environ"));
            Set<String> names = new java.util.LinkedHashSet<>();
            for (String entry : new String(raw, StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq > 0 && env.containsKey(entry.substring(0, eq))) {
                    names.add(entry.substring(0, eq));
                }
            }
            return names;
        } catch (IOException | RuntimeException e) {
            return new TreeMap<>(env).keySet();
        }
    }
}
