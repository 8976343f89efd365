<?php
// A minimal yunfn / SCF event function for the PHP runtimes (Php7, Php7.2, Php7.4, Php8.0).
// Handler: index.main_handler. $event is the JSON the caller sent, decoded into objects
// (stdClass) as SCF's PHP runtime does; the returned array is encoded as JSON and handed
// back to the caller.

function main_handler($event, $context)
{
    $name = is_object($event) && isset($event->name) ? $event->name : 'world';
    // Anything echoed or printed goes to the invocation's log (`yunfn invoke ... --log`).
    echo "hello-php invoked: request_id={$context->request_id} name=$name\n";
    return [
        'greeting' => "Hello, $name!",
        'function' => $context->function_name,
        'request_id' => $context->request_id,
    ];
}
