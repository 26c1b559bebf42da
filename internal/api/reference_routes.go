package api

// referenceRoutes are the endpoints of applications and assessments.
func (a *API) referenceRoutes() []route {
	return nil
}
