package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// figures are every level's figures: figures[measure][level].
type figures struct {
	levels   []int
	measures []string // in the order first seen
	units    map[string]string
	values   map[string]map[int]float64
}

// readResults reads scale.sh's results: "level<TAB>measure<TAB>value<TAB>unit".
func readResults(file string) (*figures, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fig := &figures{units: map[string]string{}, values: map[string]map[int]float64{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 {
			continue
		}
		level, err1 := strconv.Atoi(fields[0])
		v, err2 := strconv.ParseFloat(fields[2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: bad line %q", file, sc.Text())
		}
		fig.add(level, fields[1], v, fields[3])
	}
	return fig, sc.Err()
}

func (f *figures) add(level int, measure string, v float64, unit string) {
	if !slices.Contains(f.levels, level) {
		f.levels = append(f.levels, level)
		slices.Sort(f.levels)
	}
	if f.values[measure] == nil {
		f.values[measure] = map[int]float64{}
		f.measures = append(f.measures, measure)
	}
	f.values[measure][level] = v
	f.units[measure] = unit
}

// writeCSV writes one row per measure and a column per level.
func (f *figures) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"measure", "unit"}
	for _, l := range f.levels {
		head = append(head, strconv.Itoa(l))
	}
	cw.Write(head)
	for _, m := range f.measures {
		row := []string{m, f.units[m]}
		for _, l := range f.levels {
			v, ok := f.values[m][l]
			if ok {
				row = append(row, strconv.FormatFloat(v, 'g', 6, 64))
			} else {
				row = append(row, "")
			}
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func readCSV(file string) (*figures, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 1 || len(rows[0]) < 3 {
		return nil, fmt.Errorf("%s: no levels", file)
	}
	fig := &figures{units: map[string]string{}, values: map[string]map[int]float64{}}
	var levels []int
	for _, h := range rows[0][2:] {
		l, err := strconv.Atoi(h)
		if err != nil {
			return nil, fmt.Errorf("%s: level %q", file, h)
		}
		levels = append(levels, l)
	}
	for _, row := range rows[1:] {
		for i, cell := range row[2:] {
			if v, err := strconv.ParseFloat(cell, 64); err == nil {
				fig.add(levels[i], row[0], v, row[1])
			}
		}
	}
	return fig, nil
}

func (f *figures) printTable(w io.Writer) {
	fmt.Fprintf(w, "| measure | unit |")
	for _, l := range f.levels {
		fmt.Fprintf(w, " %s |", levelName(l))
	}
	fmt.Fprintf(w, "\n|---|---|")
	for range f.levels {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, m := range f.measures {
		fmt.Fprintf(w, "| %s | %s |", m, f.units[m])
		for _, l := range f.levels {
			if v, ok := f.values[m][l]; ok {
				fmt.Fprintf(w, " %s |", formatValue(v))
			} else {
				fmt.Fprintf(w, " |")
			}
		}
		fmt.Fprintln(w)
	}
}

func levelName(l int) string {
	switch {
	case l == 0:
		return "empty"
	case l%1_000_000 == 0:
		return fmt.Sprintf("%dM requests", l/1_000_000)
	case l%1000 == 0:
		return fmt.Sprintf("%dk requests", l/1000)
	}
	return fmt.Sprintf("%d requests", l)
}

func formatValue(v float64) string {
	switch {
	case v == float64(int64(v)) && (v >= 100 || v <= -100):
		return strconv.FormatInt(int64(v), 10)
	case v >= 100 || v <= -100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func report(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	in := fs.String("results", "", "the results scale.sh gathered")
	out := fs.String("csv", "", "write the table as CSV here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fig, err := readResults(*in)
	if err != nil {
		return err
	}
	fig.printTable(stdout)
	if *out == "" {
		return nil
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := fig.writeCSV(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// chartSpec is one plot: measures drawn against the level, and the
// target they are held to, if any.
type chartSpec struct {
	file, title, unit string
	measures          []string
	labels            []string
	target            float64
}

var charts = []chartSpec{
	{"scaling-turns.svg", "Turns per second, and pgbench's transactions of the same statements", "per second",
		[]string{"turn_bot_rate", "turn_pgbench_tps"}, []string{"infopass bench (turns/s)", "pgbench of turn.sql (tps)"}, 0},
	{"scaling-turn-latency.svg", "Turn latency (median of the rounds)", "ms",
		[]string{"turn_p50", "turn_p99", "purge_turn_p99"}, []string{"p50", "p99", "p99 during the purge"}, 0},
	{"scaling-console.svg", "Console pages, p95 of 200 calls", "ms",
		[]string{"console_queue_p95", "console_queue_type_language_p95", "console_search_a_number_p95", "console_search_phone_p95",
			"console_request_p95", "console_overview_p95"},
		[]string{"queue", "queue by type and language", "search by A-Number", "search by phone", "request page", "overview"}, 100},
	{"scaling-api.svg", "Staff API calls, p95 of 200 calls", "ms",
		[]string{"api_requests_filtered_p95", "api_requests_week_p95", "api_requests_page_10_p95", "api_requests_a_number_p95"},
		[]string{"status, type, language", "a week of one type", "10th page (cursor)", "by A-Number"}, 100},
	{"scaling-size.svg", "Database size", "MB", []string{"db_size_mb"}, []string{"database"}, 0},
}

func plotCSV(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	in := fs.String("csv", "", "the CSV report wrote")
	dir := fs.String("out", "docs", "where the SVG files go")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fig, err := readCSV(*in)
	if err != nil {
		return err
	}
	for _, c := range charts {
		if err := fig.draw(c, filepath.Join(*dir, c.file)); err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
		fmt.Fprintln(stdout, "wrote", filepath.Join(*dir, c.file))
	}
	return nil
}

var lineColors = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, color.RGBA{0x00, 0x9E, 0x73, 0xFF},
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, color.RGBA{0xD5, 0x5E, 0x00, 0xFF},
}

func (f *figures) draw(c chartSpec, file string) error {
	const width, height, legendWidth = 8 * vg.Inch, 3.6 * vg.Inch, 2.6 * vg.Inch
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = "Filed requests in the database (millions)"
	p.Y.Label.Text = c.unit
	for _, t := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font} {
		t.Typeface, t.Variant = "Liberation", "Sans"
	}
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Typeface, leg.TextStyle.Font.Variant = "Liberation", "Sans"
	top := c.target
	drawn := 0
	for i, m := range c.measures {
		var pts plotter.XYs
		for _, l := range f.levels {
			if v, ok := f.values[m][l]; ok {
				pts = append(pts, plotter.XY{X: float64(l) / 1e6, Y: v})
				top = max(top, v)
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, points.Color = lineColors[i%len(lineColors)], lineColors[i%len(lineColors)]
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		leg.Add(c.labels[i], line, points)
		drawn++
	}
	if drawn == 0 {
		return errors.New("no figures for it")
	}
	if c.target > 0 {
		target, err := plotter.NewLine(plotter.XYs{{X: 0, Y: c.target}, {X: float64(f.levels[len(f.levels)-1]) / 1e6, Y: c.target}})
		if err != nil {
			return err
		}
		target.Color, target.Dashes = color.Gray{0x55}, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(target)
		leg.Add(fmt.Sprintf("target: %g %s", c.target, c.unit), target)
	}
	p.Y.Min, p.Y.Max = 0, top*1.1
	canvas := vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(false))
	dc := draw.New(canvas)
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	leg.Draw(draw.Crop(dc, width-legendWidth+vg.Points(12), 0, 0, -vg.Points(30)))
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := canvas.WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
