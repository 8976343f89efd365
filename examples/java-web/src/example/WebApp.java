package example;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A web function in plain Java (the JDK's HTTP server, no framework): `scf_bootstrap`
 * starts `java -jar app.jar`, which serves port 9000 as a SpringBoot application would.
 * Every request is answered with a small JSON description of it.
 */
public final class WebApp {
    public static void main(String[] args) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", 9000), 64);
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String json = "{\"method\":\"" + exchange.getRequestMethod() + "\",\"path\":\""
                + escape(exchange.getRequestURI().getPath()) + "\",\"query\":\""
                + escape(String.valueOf(exchange.getRequestURI().getRawQuery())) + "\",\"body\":\""
                + escape(new String(body, StandardCharsets.UTF_8)) + "\",\"java\":\""
                + System.getProperty("java.specification.version") + "\"}";
            byte[] out = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
        System.out.println("java web app listening on port 9000");
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
