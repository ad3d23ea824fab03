using Bunit;
using CodeTracer.Web.Components.Layout;
using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Tests.Web;

public sealed class LayoutTests : WebTestContext
{
    [Fact]
    public void MainLayout_DarkToggle_SwitchesThemeAndRemembersTheChoice()
    {
        var theme = JSInterop.SetupModule(ThemeState.ModulePath);
        theme.Setup<bool>("getDark").SetResult(false);
        var setDark = theme.SetupVoid("setDark", _ => true);
        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        var toggle = cut.Find("#ct-dark-toggle");
        Assert.Equal("false", toggle.GetAttribute("data-dark"));
        toggle.Click();

        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("#ct-dark-toggle").GetAttribute("data-dark")));
        var call = Assert.Single(setDark.Invocations);
        Assert.Equal(true, call.Arguments[0]);
        Assert.True(Services.GetRequiredService<ThemeState>().IsDarkMode);
    }

    [Fact]
    public void MainLayout_StoredDarkChoice_IsAppliedOnLoad()
    {
        var theme = JSInterop.SetupModule(ThemeState.ModulePath);
        theme.Setup<bool>("getDark").SetResult(true);

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("#ct-dark-toggle").GetAttribute("data-dark")));
    }

    [Fact]
    public void MainLayout_Always_HasNavRenderModeMarkerAndBody()
    {
        JSInterop.SetupModule(ThemeState.ModulePath).Setup<bool>("getDark").SetResult(false);

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

        Assert.Equal("/", cut.Find("a#ct-nav-runs").GetAttribute("href"));
        Assert.Equal("/import", cut.Find("a#ct-nav-import").GetAttribute("href"));
        Assert.Equal("true", cut.Find("p#render-mode").GetAttribute("data-interactive"));
        Assert.Contains("page body", cut.Markup);
    }

    [Fact]
    public void MainLayout_PageThrows_ShowsErrorInsteadOfCrashing()
    {
        JSInterop.SetupModule(ThemeState.ModulePath).Setup<bool>("getDark").SetResult(false);

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<Throwing>(0);
            b.CloseComponent();
        })));

        Assert.Contains("This view failed to show", cut.Find("#ct-page-error").TextContent);
        Assert.Contains("InvalidOperationException: broken page", cut.Find("#ct-page-error").TextContent);
        Assert.NotNull(cut.Find("#ct-dark-toggle"));
    }

    private sealed class Throwing : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("broken page");
    }
}
