package api_test

// workflowAccessCases are the access-matrix rows of reviews, findings,
// actions and their history.
func workflowAccessCases(m matrix) []accessCase {
	return nil
}
