package deploy

// Request is one command from a person. TEMPORARY shape until commands/ lands.
type Request struct {
	Command any
	Actor   Person
	Channel string
	Thread  string
}
