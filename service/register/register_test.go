package register_test

import (
	"context"
	"errors"
	"testing"

	"shanhai/model"
	"shanhai/model/store/storetest"
	"shanhai/service/check"
	"shanhai/service/register"
)

func ptr(s string) *string { return &s }

// TestRegisterScope: admins and partner-side officers for producers in
// their scope add entries; a helper-side officer, or a partner-side one
// outside the producer's county, is refused; the check character and the
// per-issuer number are enforced.
func TestRegisterScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		svc := register.New(b.Store)
		officer := func(region string) *model.User {
			return &model.User{ID: 9, Role: model.RoleOfficer, RegionCode: ptr(region)}
		}
		in := func(no, region, code string) register.Input {
			return register.Input{CertificateNo: ptr(no), Issuer: ptr("乐山市乡村振兴局"), ProductName: ptr("茶"),
				Category: ptr("tea"), ProducerName: ptr("金口河茶厂"), CreditCode: ptr(code), RegionCode: ptr(region),
				ValidFrom: ptr("2026-01-01"), ValidTo: ptr("2026-12-31")}
		}
		good := "91511113MA0000001" + string(check.CreditCodeCheck("91511113MA0000001"))
		bad := good[:17] + map[bool]string{true: "1", false: "2"}[good[17] != '1']
		cases := []struct {
			who  *model.User
			in   register.Input
			want error
		}{
			{officer("511100"), in("A-1", "511113", good), nil},
			{officer("511100"), in("A-2", "331127", good), model.ErrForbidden},
			{officer("330600"), in("A-3", "511113", good), model.ErrForbidden},
			{&model.User{Role: model.RoleAdmin}, in("A-4", "511113", ""), nil},
			{&model.User{Role: model.RoleAdmin}, in("A-5", "511113", bad), model.ErrInvalid},
			{&model.User{Role: model.RoleAdmin}, in("A-1", "511113", good), model.ErrInvalid}, // same issuer and number
			{&model.User{Role: model.RoleOrgAdmin}, in("A-6", "511113", good), model.ErrForbidden},
		}
		for i, c := range cases {
			e, err := svc.Create(ctx, c.who, c.in)
			if (c.want == nil && err != nil) || (c.want != nil && !errors.Is(err, c.want)) {
				t.Errorf("case %d: %v, want %v", i, err, c.want)
			}
			if err == nil && e.Unregistered != (*c.in.CreditCode == "") {
				t.Errorf("case %d: unregistered %v", i, e.Unregistered)
			}
		}
		var n int64
		if err := b.Store.DB().QueryRow("SELECT COUNT(*) FROM register_entries").Scan(&n); err != nil || n != 2 {
			t.Errorf("%d entries (%v), want 2", n, err)
		}
	})
}
