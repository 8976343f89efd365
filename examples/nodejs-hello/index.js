'use strict';
// A minimal yunfn / SCF event function for the Node.js runtime.
// Handler: index.main_handler. The event is the JSON the caller sent; the value the
// async handler resolves to is serialized to JSON and handed back to the caller.

exports.main_handler = async (event, context) => {
  const name = (event && event.name) || 'world';
  // Anything logged goes to the invocation's log (`yunfn invoke ... --log`).
  console.log(`hello-js invoked: request_id=${context.request_id} name=${name}`);
  return {
    greeting: `Hello, ${name}!`,
    function: context.function_name,
    request_id: context.request_id,
  };
};
