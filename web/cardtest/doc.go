// Package cardtest is a fake web.Cards: sound-card figures a test sets
// and changes, for the web handlers and the technician's page without a
// sound card.
//
// # Concepts
//
// New takes the cards' figures as they are to be reported; Update changes
// one card's (a card lost, an overrun counted) while a server reads them.
// Cards returns copies, so that a caller that changes what it got changes
// nothing in the fake.
//
// # Caveats
//
//   - The figures are whatever the test sets: the fake checks neither that
//     the cards' channels are distinct nor that their lines exist.
package cardtest
