// A tiny static test program for the real stack's node tests (e2e/test_stack_node.py): standard library only.
module rookery.dev/e2e/node/echo

go 1.26.0
