package model

import "testing"

// TestDueCents: what an order shows as due, by status.
func TestDueCents(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Order
		want int64
	}{
		{"unpaid", Order{Status: OrderPendingPayment, TotalCents: 5000}, 5000},
		{"partly paid", Order{Status: OrderPendingPayment, TotalCents: 5000, PaidCents: 3000, RefundedCents: 1000}, 3000},
		{"accepted short", Order{Status: OrderAccepted, TotalCents: 5000, ReceivedCents: 4000, ReturnedCents: 500, PaidCents: 1000}, 2500},
		{"accepted overpaid", Order{Status: OrderAccepted, ReceivedCents: 4000, PaidCents: 5000}, 0},
		{"awaiting shipment", Order{Status: OrderAwaitingShipment, TotalCents: 5000}, 0},
		{"settled", Order{Status: OrderSettled, ReceivedCents: 4000}, 0},
	} {
		if got := tc.o.DueCents(); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}
