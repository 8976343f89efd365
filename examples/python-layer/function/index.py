# The greetings package is not in this code package: it comes from the layer
# bound to the function, which SCF (and yunfn) put on PYTHONPATH at /opt.
from greetings import greet


def main_handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print("%s invoked: request_id=%s name=%s"
          % (context["function_name"], context["request_id"], name))
    return {"greeting": greet(name), "request_id": context["request_id"]}
