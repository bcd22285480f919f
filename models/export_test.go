package models

import "golang.org/x/crypto/bcrypt"

// DummyHashCost is the bcrypt cost of s's stand-in hash for unknown emails.
func DummyHashCost(s *Store) int {
	c, _ := bcrypt.Cost(s.dummyHash())
	return c
}
