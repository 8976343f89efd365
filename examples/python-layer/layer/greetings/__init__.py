"""A dependency shipped in a layer: instances find it at /opt/greetings."""


def greet(name):
    return "Hello, %s! (from the greetings layer)" % name
