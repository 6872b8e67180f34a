"""The edges: the command line, the chat page and the feedback store. Nothing imports them."""
