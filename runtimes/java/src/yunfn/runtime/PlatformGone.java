package yunfn.runtime;

/** The runtime API can no longer be used: the platform ended this instance. */
final class PlatformGone extends Exception {
    private static final long serialVersionUID = 1L;

    PlatformGone(String message) {
        super(message);
    }
}
