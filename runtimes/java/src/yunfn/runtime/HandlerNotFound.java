package yunfn.runtime;

/**
 * The handler's class or method does not exist (or cannot be called): reported as errorType
 * `HandlerNotFound`, which the platform answers with SCF's status 437.
 */
final class HandlerNotFound extends Exception {
    private static final long serialVersionUID = 1L;

    HandlerNotFound(String message) {
        super(message);
    }
}
