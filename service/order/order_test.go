package order_test

// Who may see an order's personal data (address, phone): the buyer who
// placed it, the people of the buying org, the supplier who fills it; no
// one of another org or another supplier, whatever their role.

import (
	"testing"

	"shanhai/model"
	"shanhai/service/order"
)

func TestPersonal(t *testing.T) {
	org, otherOrg, sup, otherSup := int64(7), int64(8), int64(3), int64(4)
	orgOrder := &model.Order{ID: 1, UserID: 100, OrgID: &org, SupplierID: sup}
	consumerOrder := &model.Order{ID: 2, UserID: 200, SupplierID: sup}
	user := func(id int64, role string, orgID, supplierID *int64) *model.User {
		return &model.User{ID: id, Role: role, OrgID: orgID, SupplierID: supplierID}
	}
	for _, tc := range []struct {
		name  string
		actor *model.User
		o     *model.Order
		want  bool
	}{
		{"the buyer who placed it", user(100, model.RoleBuyer, &org, nil), orgOrder, true},
		{"another buyer of the org", user(101, model.RoleBuyer, &org, nil), orgOrder, true},
		{"the org's approver", user(102, model.RoleApprover, &org, nil), orgOrder, true},
		{"the org's admin", user(103, model.RoleOrgAdmin, &org, nil), orgOrder, true},
		{"a buyer of another org", user(110, model.RoleBuyer, &otherOrg, nil), orgOrder, false},
		{"an approver of another org", user(111, model.RoleApprover, &otherOrg, nil), orgOrder, false},
		{"an org admin of another org", user(112, model.RoleOrgAdmin, &otherOrg, nil), orgOrder, false},
		{"an org's buyer, a consumer's order", user(101, model.RoleBuyer, &org, nil), consumerOrder, false},
		{"a buyer of no org", user(113, model.RoleBuyer, nil, nil), orgOrder, false},
		{"an officer with the org's id", user(120, model.RoleOfficer, &org, nil), orgOrder, false},
		{"the consumer who placed it", user(200, model.RoleConsumer, nil, nil), consumerOrder, true},
		{"another consumer", user(201, model.RoleConsumer, nil, nil), consumerOrder, false},
		{"the order's supplier", user(300, model.RoleSupplier, nil, &sup), orgOrder, true},
		{"another supplier", user(301, model.RoleSupplier, nil, &otherSup), orgOrder, false},
		{"an admin (sees the order, not the personal data)", user(1, model.RoleAdmin, nil, nil), orgOrder, false},
	} {
		if got := order.Personal(tc.actor, tc.o); got != tc.want {
			t.Errorf("%s: Personal = %v, want %v", tc.name, got, tc.want)
		}
	}
}
