package console

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"infopass/bot"
	"infopass/flows"
)

// chart is one chart of the overview: an SVG drawn with gonum/plot, a
// summary for its alt text, and its numbers as a table for anyone who
// cannot see it.
type chart struct {
	ID      string
	Title   string
	Alt     string
	Image   template.URL // data:image/svg+xml;base64,…
	Columns []string
	Rows    [][]string
}

type overviewPage struct {
	From, To          string
	Total             int
	Offers, Confirmed int
	Share             string
	Charts            []chart
}

// handleOverview: GET /staff/overview
func (c *console) handleOverview(g *gin.Context) {
	o, err := c.cfg.Staff.Overview(g.Request.Context(), c.cfg.Zone)
	if err != nil {
		c.fail(g, err)
		return
	}
	p, err := overview(o, c.cfg.Staff.Languages())
	if err != nil {
		c.fail(g, err)
		return
	}
	c.render(g, http.StatusOK, "overview", p)
}

// series is one stacked layer of a bar chart.
type series struct {
	name   string
	values []float64
}

// palette is the Okabe–Ito palette, told apart with every common kind of
// colour blindness, in an order where neighbours contrast.
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0x00, 0x00, 0x00, 0xFF}, // black
}

// topLanguages is how many languages the chart by language names; the
// rest are one layer.
const topLanguages = 5

func overview(o bot.Overview, langs []flows.LanguageOption) (overviewPage, error) {
	var days []flows.Date
	for d := o.From; !d.After(o.To); d = d.AddDays(1) {
		days = append(days, d)
	}
	index := make(map[flows.Date]int, len(days))
	labels := make([]string, len(days))
	for i, d := range days {
		index[d] = i
		if i%5 == 0 || i == len(days)-1 {
			labels[i] = fmt.Sprintf("%d/%d", d.Month, d.Day)
		}
	}
	p := overviewPage{From: formatDate(o.From), To: formatDate(o.To)}

	// Requests per day by type.
	types := []flows.AppointmentType{flows.TypeADIT, flows.TypeEAP, flows.TypeIJ}
	byType := make(map[flows.AppointmentType][]float64)
	byLang := make(map[string][]float64)
	langTotal := map[string]int{}
	for _, r := range o.Requests {
		i, ok := index[r.Day]
		if !ok {
			continue
		}
		if byType[r.Type] == nil {
			byType[r.Type] = make([]float64, len(days))
			if !slices.Contains(types, r.Type) {
				types = append(types, r.Type)
			}
		}
		byType[r.Type][i] += float64(r.Count)
		if byLang[r.Language] == nil {
			byLang[r.Language] = make([]float64, len(days))
		}
		byLang[r.Language][i] += float64(r.Count)
		langTotal[r.Language] += r.Count
		p.Total += r.Count
	}
	var typeSeries []series
	for _, t := range types {
		if byType[t] == nil {
			byType[t] = make([]float64, len(days))
		}
		typeSeries = append(typeSeries, series{typeLabel(t), byType[t]})
	}
	typeChart, err := dayChart("requests-by-type", "Requests per day by type", days, labels, typeSeries)
	if err != nil {
		return p, err
	}

	// Requests per day by language: the busiest languages, then the rest.
	order := make([]string, 0, len(langTotal))
	for l := range langTotal {
		order = append(order, l)
	}
	menu := map[string]int{}
	for i, l := range langs {
		menu[l.Tag] = i
	}
	slices.SortFunc(order, func(a, b string) int {
		if c := cmp.Compare(langTotal[b], langTotal[a]); c != 0 {
			return c
		}
		return cmp.Compare(menu[a], menu[b])
	})
	var langSeries []series
	rest := make([]float64, len(days))
	for i, l := range order {
		if i < topLanguages || len(order) == topLanguages+1 {
			langSeries = append(langSeries, series{languageLabel(l), byLang[l]})
			continue
		}
		for d, v := range byLang[l] {
			rest[d] += v
		}
	}
	if len(order) > topLanguages+1 {
		langSeries = append(langSeries, series{"Other languages", rest})
	}
	if len(langSeries) == 0 {
		langSeries = []series{{languageLabel("en"), make([]float64, len(days))}}
	}
	langChart, err := dayChart("requests-by-language", "Requests per day by language", days, labels, langSeries)
	if err != nil {
		return p, err
	}

	// What became of the callback offers made in the period.
	outcomes := []string{bot.OfferConfirmed, bot.OfferDeclined, bot.OfferAwaiting, bot.OfferExpired, bot.OfferNotSent, bot.OfferCancelled}
	count := map[string]int{}
	for _, oc := range o.Offers {
		count[oc.Status] += oc.Count
		p.Offers += oc.Count
	}
	p.Confirmed = count[bot.OfferConfirmed]
	p.Share = "no offers"
	if p.Offers > 0 {
		p.Share = fmt.Sprintf("%.0f%%", 100*float64(p.Confirmed)/float64(p.Offers))
	}
	offerChart, err := outcomeChart(outcomes, count, p.Offers)
	if err != nil {
		return p, err
	}
	p.Charts = []chart{typeChart, langChart, offerChart}
	return p, nil
}

const (
	chartWidth  = 9 * vg.Inch
	chartHeight = 3.6 * vg.Inch
	legendWidth = 3 * vg.Inch
)

// dayChart draws stacked bars, one per day, and tabulates them.
func dayChart(id, title string, days []flows.Date, labels []string, layers []series) (chart, error) {
	p := newPlot()
	p.Y.Label.Text = "Requests"
	p.X.Label.Text = "Day submitted"
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top = true
	leg.Left = true
	leg.TextStyle.Font = sans(leg.TextStyle.Font)
	leg.Padding = vg.Points(4)
	var below *plotter.BarChart
	top := make([]float64, len(days))
	for i, s := range layers {
		b, err := plotter.NewBarChart(plotter.Values(s.values), vg.Points(12))
		if err != nil {
			return chart{}, fmt.Errorf("chart %s: %w", id, err)
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		p.Add(b)
		leg.Add(s.name, b)
		below = b
		for d, v := range s.values {
			top[d] += v
		}
	}
	p.NominalX(labels...)
	integerAxis(p, slices.Max(top))
	img, err := drawSVG(p, &leg)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	ch := chart{ID: id, Title: title, Image: img, Columns: []string{"Day"}}
	total := 0
	sums := make([]int, len(layers))
	for i, s := range layers {
		ch.Columns = append(ch.Columns, s.name)
		for _, v := range s.values {
			sums[i] += int(v)
		}
		total += sums[i]
	}
	for d, day := range days {
		if top[d] == 0 {
			continue
		}
		row := []string{formatDate(day)}
		for _, s := range layers {
			row = append(row, strconv.Itoa(int(s.values[d])))
		}
		ch.Rows = append(ch.Rows, row)
	}
	ch.Alt = fmt.Sprintf("Stacked bar chart, %s from %s to %s: %d in all", title, formatDate(days[0]), formatDate(days[len(days)-1]), total)
	for i, s := range layers {
		ch.Alt += fmt.Sprintf("; %s %d", s.name, sums[i])
	}
	ch.Alt += ". The table below has the numbers per day."
	return ch, nil
}

// outcomeChart draws the share of offers that ended in each status.
func outcomeChart(outcomes []string, count map[string]int, total int) (chart, error) {
	const title = "Callback offers by outcome"
	p := newPlot()
	p.Y.Label.Text = "Share of offers (%)"
	p.X.Label.Text = "Outcome"
	p.Add(plotter.NewGrid())
	values := make(plotter.Values, len(outcomes))
	names := make([]string, len(outcomes))
	ch := chart{ID: "offer-outcomes", Title: title, Columns: []string{"Outcome", "Offers", "Share"}}
	ch.Alt = fmt.Sprintf("Bar chart, %s, %d offers made in the period", title, total)
	for i, s := range outcomes {
		share := 0.0
		if total > 0 {
			share = 100 * float64(count[s]) / float64(total)
		}
		values[i], names[i] = share, offerLabel(s)
		pct := fmt.Sprintf("%.0f%%", share)
		ch.Rows = append(ch.Rows, []string{offerLabel(s), strconv.Itoa(count[s]), pct})
		ch.Alt += fmt.Sprintf("; %s %d (%s)", offerLabel(s), count[s], pct)
	}
	ch.Alt += "."
	b, err := plotter.NewBarChart(values, vg.Points(40))
	if err != nil {
		return chart{}, err
	}
	b.Color = palette[2]
	b.LineStyle.Width = 0
	p.Add(b)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(outcomes))-0.4 // room for the end bars and labels
	p.Y.Min, p.Y.Max = 0, 100
	img, err := drawSVG(p, nil)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", ch.ID, err)
	}
	ch.Image = img
	return ch, nil
}

// newPlot returns a plot in a sans-serif face like the page's. Its title is
// the heading above it on the page.
func newPlot() *plot.Plot {
	p := plot.New()
	p.X.Label.TextStyle.Font = sans(p.X.Label.TextStyle.Font)
	p.Y.Label.TextStyle.Font = sans(p.Y.Label.TextStyle.Font)
	p.X.Tick.Label.Font = sans(p.X.Tick.Label.Font)
	p.Y.Tick.Label.Font = sans(p.Y.Tick.Label.Font)
	return p
}

func sans(f font.Font) font.Font {
	f.Typeface, f.Variant = "Liberation", "Sans"
	return f
}

// integerAxis counts whole requests on the y axis.
func integerAxis(p *plot.Plot, top float64) {
	p.Y.Min = 0
	p.Y.Max = math.Max(4, top*1.1)
	step := 1.0
	for i := 0; p.Y.Max/step > 8; i++ {
		step *= []float64{2, 2.5, 2}[i%3] // 1, 2, 5, 10, 20, 50, …
	}
	var ticks plot.ConstantTicks
	for v := 0.0; v <= p.Y.Max; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	p.Y.Tick.Marker = ticks
}

// drawSVG draws p, with the legend at its right if there is one, as an SVG
// data URL. The fonts are not embedded: the browser's sans-serif does.
func drawSVG(p *plot.Plot, leg *plot.Legend) (template.URL, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight), vgsvg.EmbedFonts(false))
	dc := draw.New(c)
	if leg == nil {
		p.Draw(dc)
	} else {
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		leg.Draw(draw.Crop(dc, chartWidth-legendWidth+vg.Points(12), 0, 0, -vg.Points(30)))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}
