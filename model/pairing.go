package model

// PairingPatch is a change to a pairing; nil fields stay.
type PairingPatch struct {
	Active *bool
}
