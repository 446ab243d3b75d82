namespace SwarmPS.Engine.Intents;

/// <summary>A field of an intent file that is missing or of the wrong kind; <see cref="IntentFile"/> turns it into <c>IntentInvalid</c> naming the file.</summary>
internal sealed class IntentShapeException(string message) : Exception(message);
