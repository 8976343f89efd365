package yunfn.runtime;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jdk.internal.access.SharedSecrets;

/**
 * The runtime API as frames on the socket the platform handed over as a descriptor: a
 * 4-byte big-endian length, a type byte and a payload ("The framed channel"). Java cannot
 * open an inherited descriptor by number through its public API, hence the JDK's own access
 * to FileDescriptor (exported to this class path with --add-exports). Programs the function
 * starts do not inherit it: the JDK closes every descriptor above 2 in the children it spawns.
 */
final class FramedApi implements RuntimeApi {
    private static final byte[] EXITING = {0, 0, 0, 1, 'x'};

    private final DataInputStream in;
    private final OutputStream out;

    private FramedApi(DataInputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    static FramedApi open(int fd) {
        FileDescriptor descriptor = new FileDescriptor();
        SharedSecrets.getJavaIOFileDescriptorAccess().set(descriptor, fd);
        return new FramedApi(
            new DataInputStream(new BufferedInputStream(new FileInputStream(descriptor), 65536)),
            new FileOutputStream(descriptor));
    }

    @Override
    public void send(char type, byte[] payload) throws PlatformGone {
        write(frame(type, payload, false));
    }

    @Override
    public void sendLast(char type, byte[] payload) throws PlatformGone {
        // One write, so the platform reads both frames before it would reuse the instance.
        write(frame(type, payload, true));
    }

    @Override
    public Invocation next() throws PlatformGone {
        byte[] frame;
        try {
            int size = in.readInt();
            if (size < 1) {
                throw new PlatformGone("malformed frame from the platform");
            }
            frame = new byte[size];
            in.readFully(frame);
        } catch (EOFException e) {
            throw new PlatformGone("channel closed by the platform");
        } catch (IOException e) {
            throw new PlatformGone("channel: " + e.getMessage());
        }
        if (frame[0] != 'N') {
            throw new PlatformGone("unexpected frame from the platform");
        }
        // N: request id, memory MB and timeout ms, each ended by '\n', then the event.
        String[] fields = new String[3];
        int start = 1;
        for (int i = 0; i < 3; i++) {
            int end = start;
            while (end < frame.length && frame[end] != '\n') {
                end++;
            }
            if (end == frame.length) {
                throw new PlatformGone("malformed event frame");
            }
            fields[i] = new String(frame, start, end - start, StandardCharsets.UTF_8);
            start = end + 1;
        }
        return new Invocation(fields[0], fields[1], fields[2],
                              Arrays.copyOfRange(frame, start, frame.length));
    }

    private static byte[] frame(char type, byte[] payload, boolean last) {
        int size = payload.length + 1;
        byte[] frame = new byte[4 + size + (last ? EXITING.length : 0)];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        frame[4] = (byte) type;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        if (last) {
            System.arraycopy(EXITING, 0, frame, 5 + payload.length, EXITING.length);
        }
        return frame;
    }

    private void write(byte[] frame) throws PlatformGone {
        try {
            out.write(frame);
        } catch (IOException e) {
            throw new PlatformGone("channel closed by the platform");
        }
    }
}
