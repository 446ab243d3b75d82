namespace SwarmPS.Engine.Sites;

public sealed class SiteCatalog { public static SiteCatalog Default {get;} = new(); public SiteProfile Get(string name) => throw new NotImplementedException("replaced by the lead's SiteCatalog"); }
