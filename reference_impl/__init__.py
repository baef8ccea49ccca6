"""The ICS reference implementation: the conformance API served over real HTTP.

`create_app(Settings(...))` builds the application; `reference_impl.serve.serve` runs it with
uvicorn; `issue_tokens` gives in-process tests the test users' tokens.
"""

#: The name the reference gives itself in /metadata and in the SUT profile it writes.
PRODUCT = "ICS reference implementation"
#: The version of the conformance API (specs/contract/openapi.yaml) this reference serves.
CONTRACT_VERSION = "0.2.0"
