package api

// workflowRoutes are the endpoints of reviews, findings, actions and their
// history.
func (a *API) workflowRoutes() []route {
	return nil
}
