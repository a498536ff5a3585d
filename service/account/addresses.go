package account

// Delivery addresses of consumers and buyers. Each lies in a county-level
// region of the national GB/T 2260 table (a county, or a city with no
// counties under it, such as 东莞市); a user's first address is their
// default, and a user always has exactly one default while they have any.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"shanhai/model"
	"shanhai/service/check"
)

// AddressInput is an address as a client writes it; nil fields stay (on a
// change) or are missing (on a creation).
type AddressInput struct {
	ReceiverName, Phone, RegionCode, Detail *string
	Default                                 *bool
}

func mayHaveAddresses(actor *model.User) error {
	if actor.Role != model.RoleConsumer && actor.Role != model.RoleBuyer {
		return model.Forbidden("only consumers and buyers keep delivery addresses")
	}
	return nil
}

// Addresses lists the caller's addresses, the default first.
func (s *Service) Addresses(ctx context.Context, actor *model.User) ([]model.Address, error) {
	if err := mayHaveAddresses(actor); err != nil {
		return nil, err
	}
	return s.store.Addresses(ctx, actor.ID)
}

// Address is one of the caller's addresses; anyone else's is a 404.
func (s *Service) Address(ctx context.Context, actor *model.User, id int64) (*model.Address, error) {
	if err := mayHaveAddresses(actor); err != nil {
		return nil, err
	}
	return s.store.Address(ctx, actor.ID, id)
}

// checkAddress validates the fields given; creating requires all four.
func (s *Service) checkAddress(ctx context.Context, f *check.Fields, in AddressInput, creating bool) error {
	text := func(field string, v *string, max int) {
		switch {
		case v == nil && creating:
			f.Add(field, "is required")
		case v == nil:
		case strings.TrimSpace(*v) == "":
			f.Add(field, "must not be empty")
		case !utf8.ValidString(*v) || utf8.RuneCountInString(*v) > max:
			f.Add(field, "must be valid text of at most "+strconv.Itoa(max)+" characters")
		}
	}
	text("receiver_name", in.ReceiverName, 64)
	text("detail", in.Detail, 200)
	if in.Phone != nil || creating {
		if in.Phone == nil {
			f.Add("phone", "is required")
		} else {
			checkPhone(f, "phone", *in.Phone)
		}
	}
	if in.RegionCode == nil {
		if creating {
			f.Add("region_code", "is required")
		}
		return nil
	}
	return s.checkCounty(ctx, f, *in.RegionCode)
}

// checkCounty: code is a county-level region that exists.
func (s *Service) checkCounty(ctx context.Context, f *check.Fields, code string) error {
	if !model.ValidRegionCode(code) {
		f.Add("region_code", "must be a six-digit GB/T 2260 code")
		return nil
	}
	r, err := s.store.Region(ctx, code)
	if errors.Is(err, model.ErrNotFound) {
		f.Add("region_code", "no such region")
		return nil
	}
	if err != nil {
		return err
	}
	switch r.Level {
	case model.LevelCounty:
		return nil
	case model.LevelCity:
		// a city without counties (东莞, 中山, 儋州, 嘉峪关) is county-level itself
		has, err := s.store.RegionHasChildren(ctx, code)
		if err != nil {
			return err
		}
		if !has {
			return nil
		}
	}
	f.Add("region_code", "must be a county-level region (区/县/县级市), not a "+r.Level)
	return nil
}

func trimmed(v *string) *string {
	if v == nil {
		return nil
	}
	t := strings.TrimSpace(*v)
	return &t
}

// CreateAddress adds an address; the first one, or one marked default,
// becomes the default.
func (s *Service) CreateAddress(ctx context.Context, actor *model.User, in AddressInput) (*model.Address, error) {
	if err := mayHaveAddresses(actor); err != nil {
		return nil, err
	}
	var f check.Fields
	if err := s.checkAddress(ctx, &f, in, true); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	a := &model.Address{UserID: actor.ID, ReceiverName: *trimmed(in.ReceiverName), Phone: *in.Phone,
		RegionCode: *in.RegionCode, Detail: *trimmed(in.Detail), CreatedAt: now, UpdatedAt: now}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.store.Addresses(ctx, actor.ID)
		if err != nil {
			return err
		}
		if err := s.store.CreateAddress(ctx, a); err != nil {
			return err
		}
		if len(existing) == 0 || (in.Default != nil && *in.Default) {
			return s.store.SetDefaultAddress(ctx, actor.ID, a.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Address(ctx, actor.ID, a.ID)
}

// UpdateAddress changes an address; "default": true makes it the default
// (false is refused: make another one the default instead).
func (s *Service) UpdateAddress(ctx context.Context, actor *model.User, id int64, in AddressInput) (*model.Address, error) {
	if err := mayHaveAddresses(actor); err != nil {
		return nil, err
	}
	var f check.Fields
	if err := s.checkAddress(ctx, &f, in, false); err != nil {
		return nil, err
	}
	if in.Default != nil && !*in.Default {
		f.Add("default", "only true is taken: make another address the default instead")
	}
	if in.ReceiverName == nil && in.Phone == nil && in.RegionCode == nil && in.Detail == nil && in.Default == nil {
		f.Add("body", "nothing to change")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateAddress(ctx, actor.ID, id, model.AddressPatch{ReceiverName: trimmed(in.ReceiverName),
			Phone: in.Phone, RegionCode: in.RegionCode, Detail: trimmed(in.Detail)}); err != nil {
			return err
		}
		if in.Default != nil {
			return s.store.SetDefaultAddress(ctx, actor.ID, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Address(ctx, actor.ID, id)
}

// DeleteAddress removes an address; when it was the default, the newest
// remaining one becomes the default.
func (s *Service) DeleteAddress(ctx context.Context, actor *model.User, id int64) error {
	if err := mayHaveAddresses(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		a, err := s.store.Address(ctx, actor.ID, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteAddress(ctx, actor.ID, id); err != nil {
			return err
		}
		if !a.IsDefault() {
			return nil
		}
		rest, err := s.store.Addresses(ctx, actor.ID)
		if err != nil || len(rest) == 0 {
			return err
		}
		return s.store.SetDefaultAddress(ctx, actor.ID, rest[0].ID)
	})
}
