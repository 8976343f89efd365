package yunfn.runtime;

import java.io.File;
import java.io.IOException;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/** Checks of the code package before its classes load. */
final class CodePackage {
    private CodePackage() {
    }

    /**
     * Every `*.jar` at the root of the code directory and in `lib/` (both are on the class
     * path) must be a jar: the JVM would skip a broken one silently and report its classes
     * as missing.
     */
    static void checkJars(File codeDir) throws ZipException {
        for (String dir : new String[] {"", "lib"}) {
            File[] files = new File(codeDir, dir).listFiles();
            if (files == null) {
                continue;
            }
            for (File f : files) {
                if (!f.getName().endsWith(".jar") || !f.isFile()) {
                    continue;
                }
                String name = dir.isEmpty() ? f.getName() : dir + "/" + f.getName();
                try (ZipFile jar = new ZipFile(f)) {
                    jar.size();
                } catch (IOException e) {
                    throw new ZipException("'" + name + "' in the code package is not a jar: "
                        + e.getMessage());
                }
            }
        }
    }
}
