package schemas

// FastValid exposes the fast check to the external tests that compare it with
// jsonschema/v5.
var FastValid = (*Set).fastValid
