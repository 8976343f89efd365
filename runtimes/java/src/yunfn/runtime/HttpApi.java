package yunfn.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The same calls over the SCF custom-runtime HTTP API, for a platform that hands over no
 * channel. One request per connection: the API lives on loopback next to the instance.
 */
final class HttpApi implements RuntimeApi {
    private final String host;
    private final int port;

    HttpApi(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public void send(char type, byte[] payload) throws PlatformGone {
        String path;
        switch (type) {
            case 'r':
                path = "/runtime/init/ready";
                break;
            case 'i':
                path = "/runtime/init/error";
                break;
            case 'R':
                path = "/runtime/invocation/response";
                break;
            default:
                path = "/runtime/invocation/error";
                break;
        }
        request("POST", path, payload);
    }

    /** The HTTP API has no way to say the process is ending; its exit says it. */
    @Override
    public void sendLast(char type, byte[] payload) throws PlatformGone {
        send(type, payload);
    }

    @Override
    public Invocation next() throws PlatformGone {
        Map<String, String> headers = new HashMap<>();
        byte[] body = request("GET", "/runtime/invocation/next", new byte[0], headers);
        return new Invocation(headers.getOrDefault("request_id", ""),
                              headers.getOrDefault("memory_limit_in_mb", ""),
                              headers.getOrDefault("time_limit_in_ms", ""), body);
    }

    private byte[] request(String method, String path, byte[] body) throws PlatformGone {
        return request(method, path, body, new HashMap<>());
    }

    /** Fills `headers` (lower-cased names) and returns the response body. */
    private byte[] request(String method, String path, byte[] body, Map<String, String> headers)
        throws PlatformGone {
        byte[] response;
        try (Socket socket = new Socket(host, port)) {
            OutputStream out = socket.getOutputStream();
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            response = readAll(socket.getInputStream());
        } catch (IOException e) {
            throw new PlatformGone(method + " " + path + ": " + e.getMessage());
        }
        int split = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (split < 0) {
            throw new PlatformGone(method + " " + path + ": connection closed by the platform");
        }
        String[] lines = new String(response, 0, split, StandardCharsets.UTF_8).split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
            }
        }
        byte[] payload = Arrays.copyOfRange(response, split + 4, response.length);
        String encoding = headers.getOrDefault("transfer-encoding", "");
        return encoding.toLowerCase(Locale.ROOT).contains("chunked") ? dechunk(payload) : payload;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] dechunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        byte[] crlf = {'\r', '\n'};
        while (true) {
            int eol = indexOf(Arrays.copyOfRange(data, pos, data.length), crlf);
            if (eol < 0) {
                break;
            }
            String sizeText = new String(data, pos, eol, StandardCharsets.US_ASCII).split(";")[0];
            int size = Integer.parseInt(sizeText.trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(data, pos + eol + 2, size);
            pos += eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
