package model

import "time"

// RegisterEntry (认定目录) is one certificate of a certified product, whether
// or not the product is sold in the mall. Its number is unique per issuer.
// CreditCode is the producer's 统一社会信用代码, upper-cased, or empty for a
// smallholder (Unregistered). ValidFrom and ValidTo are inclusive China
// dates; a revoked entry says from which date (RevokedOn) and why.
type RegisterEntry struct {
	ID            int64     `gorm:"column:id;primaryKey" json:"id"`
	CertificateNo string    `gorm:"column:certificate_no" json:"certificate_no"`
	Issuer        string    `gorm:"column:issuer" json:"issuer"`
	ProductName   string    `gorm:"column:product_name" json:"product_name"`
	Spec          string    `gorm:"column:spec" json:"spec"`
	CategoryCode  string    `gorm:"column:category_code" json:"category"`
	ProducerName  string    `gorm:"column:producer_name" json:"producer_name"`
	CreditCode    string    `gorm:"column:credit_code" json:"credit_code"`
	Unregistered  bool      `gorm:"column:unregistered" json:"unregistered"`
	RegionCode    string    `gorm:"column:region_code" json:"region_code"`
	SupplierID    *int64    `gorm:"column:supplier_id" json:"supplier_id"` // the mall supplier it belongs to, if any
	Batch         string    `gorm:"column:batch" json:"batch"`
	ValidFrom     string    `gorm:"column:valid_from" json:"valid_from"`
	ValidTo       string    `gorm:"column:valid_to" json:"valid_to"`
	Status        string    `gorm:"column:status" json:"status"`
	RevokedOn     string    `gorm:"column:revoked_on" json:"revoked_on"`
	RevokeReason  string    `gorm:"column:revoke_reason" json:"revoke_reason"`
	CreatedAt     time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time `gorm:"column:updated_at" json:"updated_at"`
}

func (RegisterEntry) TableName() string { return "register_entries" }

// RegisterFilter narrows the register list.
type RegisterFilter struct {
	CertificateNo, Issuer, Q, Region string
}
