using System.Text;

namespace Gateway.Bench.Measure;

/// <summary>A GitHub-flavoured markdown table: the form of every bench and chaos result.</summary>
public sealed class MarkdownTable
{
    private readonly List<string> _headers = [];
    private readonly List<bool> _numeric = [];
    private readonly List<string[]> _rows = [];

    /// <summary>A column; numeric columns are right-aligned.</summary>
    public MarkdownTable Column(string header, bool numeric = true)
    {
        _headers.Add(header);
        _numeric.Add(numeric);
        return this;
    }

    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != _headers.Count)
        {
            throw new ArgumentException($"A row has {_headers.Count} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", _headers).AppendLine(" |");
        text.Append('|').AppendJoin('|', _numeric.Select(n => n ? "---:" : "---")).AppendLine("|");
        foreach (var row in _rows)
        {
            // A pipe inside a cell would end it.
            text.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
        }

        return text.ToString().TrimEnd('\n', '\r');
    }
}
