package yunfn.runtime;

/** One event from the platform: its request id, limits (as sent) and the event body. */
final class Invocation {
    final String requestId;
    final String memoryMb;
    final String timeLimitMs;
    final byte[] body;

    Invocation(String requestId, String memoryMb, String timeLimitMs, byte[] body) {
        this.requestId = requestId;
        this.memoryMb = memoryMb;
        this.timeLimitMs = timeLimitMs;
        this.body = body;
    }
}
