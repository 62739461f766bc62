namespace Durex;

/// <summary>The rules for command names, shared by the runtime and the analyzers.</summary>
public static class CommandNames
{
    /// <summary>Longest accepted name.</summary>
    public const int MaxLength = 200;

    /// <summary>True for 1–200 characters of ASCII letters, digits and <c>_ - . : /</c>.</summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    internal static void Validate(string? name, string paramName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A command name is required.", paramName);
        }

        if (!IsValid(name))
        {
            throw new ArgumentException(
                $"Command name '{name}' is invalid: use 1–{MaxLength} characters of ASCII letters, digits and _ - . : /",
                paramName);
        }
    }
}
