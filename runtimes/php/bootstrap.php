<?php
// yunfn built-in PHP runtime.
//
// The platform starts this file as `php bootstrap.php` with the function's code
// directory as working directory (docs/runtime-protocol.md). It loads the handler named
// by `_HANDLER` (`file.function`: `file.php` from the code directory, then the global
// function), reports `init/ready` (or `init/error`), then serves invocations one at a
// time: `next` -> `function($event, $context)` -> `response` / `error`.
//
// As SCF's PHP runtimes do, `$event` and `$context` are objects (`stdClass`, JSON
// arrays stay arrays) and the return value is JSON-encoded. Standard PHP only (json;
// FFI when loaded, to keep the channel from programs the function starts); PHP 8.0 or
// later. PHP is single-threaded: the handler runs on the one thread, between two frames.

// Environment variables the platform (docs/cos.md for YUNFN_COS_*) or the OS sets.
// Everything else, except names under the reserved SCF_ / QCLOUD_ / TENCENTCLOUD_
// prefixes (which user variables may not use) and locale LC_* names, is one of the
// function's own variables and goes into $context->environment / $context->environ.
const YUNFN_SYSTEM_VARIABLES = [
    'PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'PWD', 'OLDPWD', 'SHELL',
    'SHLVL', 'HOSTNAME', 'TERM', 'TMPDIR', '_', 'USER_CODE_ROOT', '_HANDLER',
    '_SCF_SERVER_PORT', 'TRIGGER_SRC', 'PYTHONPATH', 'PYTHONUNBUFFERED',
    'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'NODE_PATH', 'LD_LIBRARY_PATH',
    'CLASSPATH', 'PHP_INI_SCAN_DIR', 'OS_NAMESERVER', 'YUNFN_COS_HOST', 'YUNFN_COS_ENDPOINT',
];
const YUNFN_NON_USER_PREFIX = '/^(SCF_|QCLOUD_|TENCENTCLOUD_|LC_)/';
const YUNFN_JSON_FLAGS =
    JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION;
// Errors that end the script: they cannot be caught, only seen at shutdown.
const YUNFN_FATAL_ERRORS = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR;

/**
 * The handler file or function does not exist; reported as errorType `HandlerNotFound`,
 * which the platform answers with SCF's status 437 as it does for the other runtimes.
 */
final class YunfnHandlerNotFound extends \Error
{
}

/** The channel could no longer be used: the platform ended the instance. */
final class YunfnPlatformGone extends \Exception
{
}

/**
 * The runtime API as frames on the socket the platform handed over: a 4-byte big-endian
 * length, a type byte and a payload (docs/runtime-protocol.md, "The framed channel").
 */
final class YunfnFramedApi
{
    private $stream;
    private string $buffer = '';

    public function __construct(int $fd)
    {
        $stream = @fopen("php://fd/$fd", 'r+b');
        if ($stream === false) {
            throw new YunfnPlatformGone("cannot open the runtime channel on descriptor $fd");
        }
        // A socket stream times out after default_socket_timeout; `next` waits for ever.
        stream_set_timeout($stream, 86400 * 365);
        $this->stream = $stream;
        yunfn_close_on_exec($fd);
    }

    /** Sends one frame of `type` ('r', 'i', 'R' or 'E'). */
    public function send(string $type, string $payload): void
    {
        $this->write(pack('N', strlen($payload) + 1) . $type . $payload);
    }

    /**
     * Sends a last result and, in the same write, `x`: the process is ending, so the
     * platform gives it no further event (it reads both before it reuses the instance).
     */
    public function sendLast(string $type, string $payload): void
    {
        $this->write(pack('N', strlen($payload) + 1) . $type . $payload . pack('N', 1) . 'x');
    }

    private function write(string $frame): void
    {
        while ($frame !== '') {
            $n = @fwrite($this->stream, $frame);
            if ($n === false || $n === 0) {
                throw new YunfnPlatformGone('channel closed by the platform');
            }
            $frame = substr($frame, $n);
        }
    }

    /** Waits for the next event: [request id, memory MB, timeout ms, event body]. */
    public function next(): array
    {
        $size = unpack('N', $this->read(4))[1];
        $frame = $this->read($size);
        if ($size < 1 || $frame[0] !== 'N') {
            throw new YunfnPlatformGone('unexpected frame from the platform');
        }
        $fields = explode("\n", substr($frame, 1), 4);
        if (count($fields) !== 4) {
            throw new YunfnPlatformGone('malformed event frame');
        }
        return $fields;
    }

    private function read(int $size): string
    {
        while (strlen($this->buffer) < $size) {
            $chunk = fread($this->stream, max(65536, $size - strlen($this->buffer)));
            if ($chunk === false || ($chunk === '' && feof($this->stream))) {
                throw new YunfnPlatformGone('channel closed by the platform');
            }
            $this->buffer .= $chunk;  // '' after a socket timeout: keep waiting
        }
        $out = substr($this->buffer, 0, $size);
        $this->buffer = substr($this->buffer, $size);
        return $out;
    }
}

/**
 * The same calls over the SCF custom-runtime HTTP API, for a platform that hands over no
 * channel. One request per connection: the API lives on loopback next to the instance.
 */
final class YunfnHttpApi
{
    private const PATHS = [
        'r' => '/runtime/init/ready', 'i' => '/runtime/init/error',
        'R' => '/runtime/invocation/response', 'E' => '/runtime/invocation/error',
    ];

    public function __construct(private string $host, private int $port)
    {
    }

    public function send(string $type, string $payload): void
    {
        $this->request('POST', self::PATHS[$type], $payload);
    }

    /** The HTTP API has no way to say the process is ending; its exit says it. */
    public function sendLast(string $type, string $payload): void
    {
        $this->send($type, $payload);
    }

    public function next(): array
    {
        [$headers, $body] = $this->request('GET', '/runtime/invocation/next', '');
        return [$headers['request_id'] ?? '', $headers['memory_limit_in_mb'] ?? '',
                $headers['time_limit_in_ms'] ?? '', $body];
    }

    /** Returns [lower-cased headers, body]; raises YunfnPlatformGone on any failure. */
    private function request(string $method, string $path, string $body): array
    {
        $conn = @stream_socket_client("tcp://{$this->host}:{$this->port}", $errno, $errstr);
        if ($conn === false) {
            throw new YunfnPlatformGone("$method $path: $errstr");
        }
        stream_set_timeout($conn, 86400 * 365);
        fwrite($conn, "$method $path HTTP/1.1\r\nHost: {$this->host}:{$this->port}\r\n" .
                      "Content-Type: application/json\r\nContent-Length: " . strlen($body) .
                      "\r\nConnection: close\r\n\r\n" . $body);
        $response = stream_get_contents($conn);
        fclose($conn);
        $split = $response === false ? false : strpos($response, "\r\n\r\n");
        if ($split === false) {
            throw new YunfnPlatformGone("$method $path: connection closed by the platform");
        }
        $headers = [];
        foreach (array_slice(explode("\r\n", substr($response, 0, $split)), 1) as $line) {
            [$name, $value] = array_pad(explode(':', $line, 2), 2, '');
            $headers[strtolower(trim($name))] = trim($value);
        }
        $payload = substr($response, $split + 4);
        if (str_contains(strtolower($headers['transfer-encoding'] ?? ''), 'chunked')) {
            $payload = yunfn_dechunk($payload);
        }
        return [$headers, $payload];
    }
}

function yunfn_dechunk(string $data): string
{
    $out = '';
    while (($eol = strpos($data, "\r\n")) !== false) {
        $size = hexdec(trim(explode(';', substr($data, 0, $eol))[0]));
        if ($size === 0) {
            break;
        }
        $out .= substr($data, $eol + 2, $size);
        $data = substr($data, $eol + 2 + $size + 2);
    }
    return $out;
}

/**
 * Marks descriptor $fd and the stream's duplicate of it close-on-exec, so programs the
 * function starts do not inherit the channel. Needs FFI; without it they do.
 */
function yunfn_close_on_exec(int $fd): void
{
    try {
        $libc = \FFI::cdef('int fcntl(int fd, int cmd, ...);');
        $target = @readlink("/proc/self/fd/$fd");
        foreach (scandir('/proc/self/fd') ?: [] as $entry) {
            if (ctype_digit($entry) && @readlink("/proc/self/fd/$entry") === $target) {
                $libc->fcntl((int)$entry, 2 /* F_SETFD */, 1 /* FD_CLOEXEC */);
            }
        }
    } catch (\Throwable) {
        // FFI disabled or not loaded.
    }
}

function yunfn_write_log(string $text): void
{
    @fwrite(STDERR, str_ends_with($text, "\n") ? $text : "$text\n");
}

/** Flushes output buffers the function left open and the std streams: logs precede the result. */
function yunfn_flush_output(): void
{
    while (ob_get_level() > 0 && @ob_end_flush()) {
    }
    flush();
    @fflush(STDOUT);
    @fflush(STDERR);
}

/** Error JSON in the shape of SCF's RetMsg for a user error. */
function yunfn_error_json(string $type, string $message, string $stack): string
{
    return json_encode(['errorCode' => -1, 'errorMessage' => $message, 'errorType' => $type,
                        'stackTrace' => $stack], YUNFN_JSON_FLAGS | JSON_INVALID_UTF8_SUBSTITUTE);
}

/** How an error thrown in init or by the handler is written to the log. */
function yunfn_log_text(\Throwable $e): string
{
    return $e instanceof YunfnHandlerNotFound ? 'HandlerNotFound: ' . $e->getMessage() : (string)$e;
}

function yunfn_throwable_json(\Throwable $e): string
{
    if ($e instanceof YunfnHandlerNotFound) {
        return yunfn_error_json('HandlerNotFound', $e->getMessage(), yunfn_log_text($e));
    }
    return yunfn_error_json(get_class($e), $e->getMessage(), (string)$e);
}

/** The per-instance fields of every context, computed once at start. */
function yunfn_fixed_context(array $env): array
{
    $namespace = $env['SCF_NAMESPACE'] ?? 'default';
    $user = [];
    foreach ($env as $key => $value) {
        if (!in_array($key, YUNFN_SYSTEM_VARIABLES, true)
            && !preg_match(YUNFN_NON_USER_PREFIX, $key)) {
            $user[$key] = $value;
        }
    }
    $user['SCF_NAMESPACE'] = $namespace;
    $pairs = [];
    foreach ($user as $key => $value) {
        $pairs[] = "$key=$value";
    }
    $pairs[] = "SCF_NAMESPACE=$namespace";  // SCF repeats it at the end of `environ`
    return [
        'environment' => json_encode((object)$user,
                                     JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES),
        'environ' => implode(';', $pairs),
        'function_version' => $env['SCF_FUNCTIONVERSION'] ?? '$LATEST',
        'function_name' => $env['SCF_FUNCTIONNAME'] ?? '',
        'namespace' => $namespace,
        'tencentcloud_region' => $env['TENCENTCLOUD_REGION'] ?? '',
        'tencentcloud_appid' => $env['TENCENTCLOUD_APPID'] ?? '',
        'tencentcloud_uin' => $env['TENCENTCLOUD_UIN'] ?? '',
    ];
}

function yunfn_int_or(string $text, int $fallback): int
{
    return preg_match('/^-?\d+$/', trim($text)) ? (int)$text : $fallback;
}

/** The event as JSON objects; a body that is not valid JSON is passed as the raw string. */
function yunfn_parse_event(string $body): mixed
{
    try {
        return json_decode($body, false, 100000, JSON_THROW_ON_ERROR);
    } catch (\JsonException) {
        return $body;
    }
}

/**
 * The handler string as [file path, function name, file name]; `file` may name a sub
 * directory (`src/index.main_handler`). Throws when malformed or when the file is missing.
 */
function yunfn_parse_handler(string $handler, string $codeDir): array
{
    $dot = strrpos($handler, '.');
    $file = $dot === false ? '' : substr($handler, 0, $dot);
    $func = $dot === false ? '' : substr($handler, $dot + 1);
    if ($file === '' || str_ends_with($file, '/')
        || !preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/', $func)) {
        throw new \ValueError("invalid handler '$handler': expected <file>.<function>, " .
                              'e.g. index.main_handler');
    }
    if (!is_file("$codeDir/$file.php")) {
        throw new YunfnHandlerNotFound("handler file '$file.php' not found in the code package " .
                                       "(handler '$handler')");
    }
    return ["$codeDir/$file.php", $func, "$file.php"];
}

/** Serves invocations until the platform closes the channel. */
final class YunfnRuntime
{
    /** 'init', 'serving' (between invocations), 'invoking' or 'done'. */
    public string $phase = 'init';
    public string $file = '';
    private string $func = '';
    private string $fileName = '';
    private string $handler = '';

    public function __construct(private YunfnFramedApi|YunfnHttpApi $api, private array $fixed,
                                private int $memory, private int $timeMs)
    {
    }

    /** Resolves the handler string; a malformed one or a missing file fails init. */
    public function resolve(string $handler, string $codeDir): void
    {
        $this->handler = $handler;
        try {
            [$this->file, $this->func, $this->fileName] = yunfn_parse_handler($handler, $codeDir);
        } catch (\Throwable $e) {
            $this->initFailed($e);
        }
    }

    /** Reports init as failed with $e and ends the process. */
    public function initFailed(\Throwable $e): void
    {
        $this->fail('i', $e);
        $this->phase = 'done';
        exit(1);
    }

    /** After the handler file ran: checks the function, reports ready and serves events. */
    public function serve(): void
    {
        if (!function_exists($this->func)) {
            $this->initFailed(new YunfnHandlerNotFound(
                "handler '{$this->handler}' not found: " .
                "'{$this->fileName}' defines no function named '{$this->func}'"));
        }
        $this->phase = 'serving';
        $this->api->send('r', '');
        while (true) {
            [$requestId, $memory, $timeMs, $body] = $this->api->next();
            $this->phase = 'invoking';
            [$type, $payload] = $this->invoke(yunfn_parse_event($body),
                                              $this->context($requestId, $memory, $timeMs));
            yunfn_flush_output();
            $this->phase = 'serving';
            $this->api->send($type, $payload);
        }
    }

    /** Runs the handler once; returns the frame type and payload of its outcome. */
    private function invoke(mixed $event, object $context): array
    {
        error_clear_last();
        try {
            $result = ($this->func)($event, $context);
            return ['R', json_encode($result, YUNFN_JSON_FLAGS | JSON_THROW_ON_ERROR)];
        } catch (\Throwable $e) {
            yunfn_write_log((string)$e);
            return ['E', yunfn_throwable_json($e)];
        }
    }
    private function context(string $requestId, string $memory, string $timeMs): object
    {
        return (object)([
            'memory_limit_in_mb' => yunfn_int_or($memory, $this->memory),
            'time_limit_in_ms' => yunfn_int_or($timeMs, $this->timeMs),
            'request_id' => $requestId,
        ] + $this->fixed);
    }

    /** Reports a failure of init ('i') or of the running invocation ('E'). */
    public function fail(string $type, \Throwable $e): void
    {
        yunfn_write_log(yunfn_log_text($e));
        yunfn_flush_output();
        $this->report($type, yunfn_throwable_json($e));
    }

    /**
     * At shutdown: a fatal error (uncatchable) during init or an invocation is reported
     * as that init's or invocation's error. exit()/die() in the handler reports nothing;
     * the platform sees the process end and fails the invocation.
     */
    public function shutdown(): void
    {
        $error = error_get_last();
        $phase = $this->phase;
        $this->phase = 'done';
        if (($phase !== 'init' && $phase !== 'invoking') || $error === null ||
            ($error['type'] & YUNFN_FATAL_ERRORS) === 0) {
            return;
        }
        $stack = "PHP Fatal error:  {$error['message']} in {$error['file']} " .
                 "on line {$error['line']}";
        yunfn_flush_output();
        $this->report($phase === 'init' ? 'i' : 'E',
                      yunfn_error_json('FatalError', $error['message'], $stack));
    }

    /** Sends the last frame of the process. */
    private function report(string $type, string $payload): void
    {
        try {
            $this->api->sendLast($type, $payload);
        } catch (YunfnPlatformGone) {
            // Nothing left to report to.
        }
    }
}

/** Opens the channel and resolves the handler; null when the platform is gone. */
function yunfn_start(): ?YunfnRuntime
{
    $env = getenv();
    $fd = $env['YUNFN_RUNTIME_FD'] ?? '';
    unset($env['YUNFN_RUNTIME_FD'], $_SERVER['YUNFN_RUNTIME_FD'], $_ENV['YUNFN_RUNTIME_FD']);
    putenv('YUNFN_RUNTIME_FD');  // the platform's, not the function's
    $codeDir = getcwd();
    set_include_path($codeDir . PATH_SEPARATOR . '/opt' . PATH_SEPARATOR . get_include_path());
    $api = $fd !== '' ? new YunfnFramedApi((int)$fd)
        : new YunfnHttpApi($env['SCF_RUNTIME_API'] ?? '127.0.0.1',
                           yunfn_int_or($env['SCF_RUNTIME_API_PORT'] ?? '', 9001));
    $runtime = new YunfnRuntime($api, yunfn_fixed_context($env),
                                yunfn_int_or($env['SCF_MEMORY_SIZE'] ?? '', 128),
                                yunfn_int_or($env['SCF_TIMEOUT'] ?? '', 3) * 1000);
    register_shutdown_function([$runtime, 'shutdown']);
    $runtime->resolve($env['_HANDLER'] ?? '', $codeDir);
    return $runtime;
}

/** The platform closed this instance's channel: nothing left to report to. */
function yunfn_gone(?YunfnRuntime $runtime): void
{
    if ($runtime !== null) {
        $runtime->phase = 'done';
    }
    yunfn_flush_output();
    exit(0);
}

// The handler file runs at the top level, as when PHP runs it as a script: its variables
// are globals (`global $db;` in the handler sees them). The bootstrap's own globals are
// the two $yunfn_* below.
$yunfn_runtime = null;
try {
    $yunfn_runtime = yunfn_start();
    try {
        require_once $yunfn_runtime->file;
    } catch (YunfnPlatformGone $yunfn_runtime_error) {
        throw $yunfn_runtime_error;
    } catch (\Throwable $yunfn_runtime_error) {
        $yunfn_runtime->initFailed($yunfn_runtime_error);
    }
    unset($yunfn_runtime_error);
    $yunfn_runtime->serve();
} catch (YunfnPlatformGone) {
    yunfn_gone($yunfn_runtime);
}
