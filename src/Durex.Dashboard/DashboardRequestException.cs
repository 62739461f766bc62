namespace Durex.Dashboard;

/// <summary>A request the dashboard refuses, with the status code and a message that says what to fix.</summary>
internal sealed class DashboardRequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static DashboardRequestException BadRequest(string message) => new(400, message);
}
