package store

import "gorm.io/gorm"

// Gorm is the GORM handle underneath, for tests and tools (schema checks,
// fixtures). Application code goes through the Store's methods, which map
// errors and use the transaction in ctx; this handle does neither.
func (s *Store) Gorm() *gorm.DB { return s.gdb }
