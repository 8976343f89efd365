package yunfn.runtime;

/**
 * The runtime API of docs/runtime-protocol.md. Message types are the frame types: 'r' init
 * ready, 'i' init error, 'R' the invocation's result, 'E' the invocation's error.
 */
interface RuntimeApi {
    void send(char type, byte[] payload) throws PlatformGone;

    /** Sends a last message: this process is ending, so it gets no further event. */
    void sendLast(char type, byte[] payload) throws PlatformGone;

    /** Waits for the next event. */
    Invocation next() throws PlatformGone;
}
