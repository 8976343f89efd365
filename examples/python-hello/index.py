# A minimal yunfn / SCF event function for the Python 3 runtime.
# Handler: index.main_handler. The event is the JSON the caller sent; the returned dict
# is serialized to JSON and handed back to the caller.


def main_handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    # Anything printed goes to the invocation's log (`yunfn invoke ... --log`).
    print("hello-py invoked: request_id=%s name=%s" % (context["request_id"], name))
    return {
        "greeting": "Hello, %s!" % name,
        "function": context["function_name"],
        "request_id": context["request_id"],
    }
