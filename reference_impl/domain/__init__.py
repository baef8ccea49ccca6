"""The reference's rules as pure functions: no HTTP, no SQL, so the harness can use them as an
oracle and the API stays a thin shell around them."""
