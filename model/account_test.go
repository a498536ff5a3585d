package model

import "testing"

// TestConfirmedEmployer: only a confirmed link counts, for nobody else.
func TestConfirmedEmployer(t *testing.T) {
	org := int64(7)
	for _, tc := range []struct {
		name     string
		employer *int64
		status   string
		want     *int64
	}{
		{"no link", nil, EmployerNone, nil},
		{"pending", &org, EmployerPending, nil},
		{"refused", &org, EmployerRefused, nil},
		{"confirmed", &org, EmployerConfirmed, &org},
		{"unknown status", &org, "approved", nil},
		{"confirmed without an org", nil, EmployerConfirmed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &User{Role: RoleConsumer, EmployerID: tc.employer, EmployerStatus: tc.status}
			got := u.ConfirmedEmployer()
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("ConfirmedEmployer() = %v, want %v", got, tc.want)
			}
		})
	}
}
