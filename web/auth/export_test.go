package auth

// DecodeSession exposes the session record decoder to the black-box tests:
// the session, the password fingerprint it holds, or the error.
func DecodeSession(key string, b []byte) (Session, string, error) {
	ss, err := decodeSession(key, b)
	if err != nil {
		return Session{}, "", err
	}
	return ss.Session, ss.pass, nil
}

// EncodeSession exposes the session record encoder to the black-box tests.
func EncodeSession(s Session, pass string) ([]byte, error) {
	return encodeSession(&session{Session: s, pass: pass})
}

// PassPrint exposes the password-hash fingerprint to the black-box tests.
func PassPrint(hash string) string { return passPrint(hash) }
