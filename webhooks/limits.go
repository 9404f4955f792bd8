package webhooks

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/nyaruka/phonenumbers"
	"github.com/twilio/twilio-go/twiml"
	"golang.org/x/time/rate"

	"infopass/bot"
)

// Defaults of the abuse limits.
const (
	// DefaultSenderRate and DefaultSenderBurst let one number take a turn a
	// second, twenty at once: more than a person texts or presses keys,
	// and room for a phone that delivers a backlog of texts in one go.
	DefaultSenderRate  rate.Limit = 1
	DefaultSenderBurst            = 20

	// maxTracked bounds how many numbers or addresses a limit remembers;
	// senderIdle is how long a number's bucket is kept unused (a bucket
	// refills long before).
	maxTracked = 100_000
	senderIdle = 10 * time.Minute
)

// admitSender stops a turn before the engine when its number is outside the
// allowed countries or sends faster than SenderRate: it gets an empty answer
// at once (voice: the call hangs up), so that a flood from one number
// neither slows the others nor fills the database. A From that is no phone
// number at all goes on to the handler, which knows what to say to it.
func (s *Server) admitSender(channel bot.Channel) gin.HandlerFunc {
	return func(c *gin.Context) {
		from := c.PostForm("From")
		if from == withheldNumber {
			// Every withheld caller shares this From; the handler sends
			// them to a person without a turn.
			c.Next()
			return
		}
		code, ok := countryCode(from)
		if !ok {
			c.Next()
			return
		}
		ctx := c.Request.Context()
		if !s.countries[code] {
			s.log.InfoContext(ctx, "turn refused: country not served", "channel", channel, "country_code", code, "from", bot.MaskPhone(from))
			s.cfg.Metrics.limit(limitCountry)
			s.refuse(c, channel)
			return
		}
		ok, first := s.senders.allow(from, s.cfg.Now())
		if !ok {
			if first {
				s.log.WarnContext(ctx, "turns refused: sender over its rate", "channel", channel, "from", bot.MaskPhone(from))
			}
			s.cfg.Metrics.limit(limitSenderRate)
			s.refuse(c, channel)
			return
		}
		c.Next()
	}
}

// countryCode returns the country calling code of an E.164 number. Calling
// codes are prefix-free, so the first of one to three digits that is a code
// is the number's; this costs far less than parsing the whole number, on
// every webhook.
func countryCode(e164 string) (int, bool) {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok {
		n, err := phonenumbers.Parse(e164, "")
		if err != nil {
			return 0, false
		}
		return int(n.GetCountryCode()), true
	}
	for l := 1; l <= 3 && l <= len(digits); l++ {
		code, err := strconv.Atoi(digits[:l])
		if err != nil || digits[0] == '0' {
			return 0, false
		}
		if phonenumbers.GetRegionCodeForCountryCode(code) != phonenumbers.UNKNOWN_REGION {
			return code, true
		}
	}
	return 0, false
}

// refuse answers a turn with nothing: an empty <Response/> to a text, a
// hang-up to a call.
func (s *Server) refuse(c *gin.Context, channel bot.Channel) {
	if channel == bot.Voice {
		s.writeVoice(c, []twiml.Element{&twiml.VoiceHangup{}})
	} else {
		s.writeTwiML(c, "")
	}
	c.Abort()
}

// senderLimits is a token bucket per sending number.
type senderLimits struct {
	rate  rate.Limit
	burst int
	seen  *recent[senderState]
}

type senderState struct {
	bucket  *rate.Limiter
	refused bool // the last turn was refused
}

func newSenderLimits(r rate.Limit, burst int) *senderLimits {
	return &senderLimits{rate: r, burst: burst, seen: newRecent[senderState](maxTracked, senderIdle)}
}

// allow takes a token of from's bucket at now. first is set when from is
// refused after a turn that was not.
func (l *senderLimits) allow(from string, now time.Time) (ok, first bool) {
	if l.rate == rate.Inf {
		return true, false
	}
	l.seen.use(from, now, true, func(st *senderState) {
		if st.bucket == nil {
			st.bucket = rate.NewLimiter(l.rate, l.burst)
		}
		ok = st.bucket.AllowN(now, 1)
		first = !ok && !st.refused
		st.refused = !ok
	})
	return ok, first
}

// recent maps keys to values for the limits, holding at most max keys and
// forgetting those unused for longer than idle, least recently used first.
// It is safe for concurrent use.
type recent[V any] struct {
	mu    sync.Mutex
	max   int
	idle  time.Duration
	order *list.List // of *recentEntry[V], most recently used in front
	index map[string]*list.Element
}

type recentEntry[V any] struct {
	key  string
	used time.Time
	val  V
}

func newRecent[V any](max int, idle time.Duration) *recent[V] {
	return &recent[V]{max: max, idle: idle, order: list.New(), index: make(map[string]*list.Element)}
}

// use runs fn, under the lock, on key's value as used at now. A key not
// held starts as the zero value when create is set; otherwise fn does not
// run and use returns false.
func (r *recent[V]) use(key string, now time.Time, create bool, fn func(v *V)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Forgetting the idle keys here, a few at a time, needs no sweeper.
	for el := r.order.Back(); el != nil && now.Sub(el.Value.(*recentEntry[V]).used) > r.idle; el = r.order.Back() {
		r.remove(el)
	}
	el, ok := r.index[key]
	switch {
	case ok:
		r.order.MoveToFront(el)
	case !create:
		return false
	default:
		if len(r.index) >= r.max {
			r.remove(r.order.Back())
		}
		el = r.order.PushFront(&recentEntry[V]{key: key})
		r.index[key] = el
	}
	e := el.Value.(*recentEntry[V])
	e.used = now
	fn(&e.val)
	return true
}

func (r *recent[V]) remove(el *list.Element) {
	r.order.Remove(el)
	delete(r.index, el.Value.(*recentEntry[V]).key)
}

// len returns how many keys r holds.
func (r *recent[V]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.index)
}
